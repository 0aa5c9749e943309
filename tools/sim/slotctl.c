#include "slotctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const names[] = {"insert", "remove", "replace"};

int slotctl_parse_action(const char *name)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}

const char *slotctl_action_name(enum slotctl_action action)
{
	return (unsigned)action < sizeof(names) / sizeof(names[0]) ? names[action] : "?";
}

int slotctl_read(const char *path, struct slotctl *out)
{
	FILE *f = fopen(path, "r");
	char word[16];
	uint64_t seq;
	uint32_t gen;
	int action;

	if (!f)
		return 1;
	if (fscanf(f, "%" SCNu64 " %15s %" SCNu32, &seq, word, &gen) != 3) {
		fclose(f);
		return -1;
	}
	fclose(f);
	action = slotctl_parse_action(word);
	if (action < 0)
		return -1;
	out->seq = seq;
	out->action = (enum slotctl_action)action;
	out->generation = gen;
	return 0;
}

int slotctl_write(const char *path, const struct slotctl *c)
{
	char tmp[4200];
	FILE *f;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	rc = fprintf(f, "%" PRIu64 " %s %" PRIu32 "\n", c->seq, slotctl_action_name(c->action),
		     c->generation);
	if (fclose(f) != 0 || rc < 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

bool slotctl_changed(const char *path, uint64_t *stamp)
{
	struct stat st;
	uint64_t now = 0;
	bool changed;

	/* Every write is a rename, so the inode changes; mtime covers reuse. */
	if (stat(path, &st) == 0)
		now = (uint64_t)st.st_ino * 1000003u ^ (uint64_t)st.st_mtim.tv_sec * 1000000000u ^
		      (uint64_t)st.st_mtim.tv_nsec;
	changed = now != *stamp;
	*stamp = now;
	return changed;
}

void slotctl_imei(const char base[16], uint32_t generation, char out[16])
{
	unsigned long snr = strtoul(base + 8, NULL, 10) / 10; /* digits 9-14 */
	int sum = 0;

	snr = (snr + 64ul * generation) % 1000000ul;
	snprintf(out, 16, "%.8s%06lu", base, snr);
	for (int i = 0; i < 14; i++) {
		int d = out[13 - i] - '0';

		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	out[14] = (char)('0' + (10 - sum % 10) % 10);
	out[15] = '\0';
}
