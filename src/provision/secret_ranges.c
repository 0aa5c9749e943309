/* The target areas that hold credential bytes; see secret_ranges.h. */
#include "provision/secret_ranges.h"

#include "nrfcred/sim_mailbox.h"
#include "provision/manifest.h"

size_t provision_secret_ranges(const struct manifest *m,
			       struct provision_range out[PROVISION_SECRET_RANGES_MAX])
{
	size_t n = 0;
	/* The reserved area, not just the table written: a table patched
	 * earlier (-i) or a longer one on another run lies anywhere inside. */
	if (m && m->table_max > 0)
		out[n++] =
			(struct provision_range){m->table_addr, m->table_max, "credential table"};
	/* The result block is no secret, but the SHA-256 it carries for a
	 * key or PSK is one (table_type_is_secret): the whole area, since the
	 * firmware writes it and the host reads it back word by word. */
	if (m && m->result_max > 0)
		out[n++] = (struct provision_range){m->result_addr, m->result_max,
						    "result block (digests of the credentials)"};
	/* The whole session mailbox: the DOWN area carries the table, and a
	 * hostile or buggy firmware could echo it anywhere else in it. */
	if (m && manifest_has_session(m))
		out[n++] = (struct provision_range){m->mailbox_addr, m->mailbox_size,
						    "session mailbox"};
	out[n++] =
		(struct provision_range){SIM_MBOX_BASE, SIM_MBOX_SIZE, "simulator modem mailbox"};
	return n;
}
