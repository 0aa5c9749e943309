#include "slotctl.h"

#include "atomicfile.h"
#include "scenario.h"

#include <errno.h>
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

/* The whole field is one decimal number of at most max. */
static bool parse_field(const char *v, uint64_t max, uint64_t *out)
{
	char *end;

	if (*v < '0' || *v > '9')
		return false;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return !errno && *out <= max && *end == '\0';
}

int slotctl_read(const char *path, struct slotctl *out)
{
	FILE *f = fopen(path, "r");
	char line[128];
	char *field[3], *save = NULL;
	uint64_t seq, gen;
	int action;

	if (!f)
		return 1;
	/* Written by another process: parsed strictly, every number range-checked. */
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	field[0] = strtok_r(line, " ", &save);
	field[1] = strtok_r(NULL, " ", &save);
	field[2] = strtok_r(NULL, " ", &save);
	if (!field[2] || strtok_r(NULL, " ", &save) || !parse_field(field[0], UINT64_MAX, &seq) ||
	    !parse_field(field[2], UINT32_MAX, &gen))
		return -1;
	action = slotctl_parse_action(field[1]);
	if (action < 0)
		return -1;
	out->seq = seq;
	out->action = (enum slotctl_action)action;
	out->generation = (uint32_t)gen;
	return 0;
}

static int print_slotctl(FILE *f, const void *ctx)
{
	const struct slotctl *c = ctx;

	return fprintf(f, "%" PRIu64 " %s %" PRIu32 "\n", c->seq, slotctl_action_name(c->action),
		       c->generation) < 0
		       ? -1
		       : 0;
}

int slotctl_write(const char *path, const struct slotctl *c)
{
	return atomicfile_write(path, print_slotctl, c);
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

	snr = (snr + 64ul * generation) % 1000000ul;
	snprintf(out, 16, "%.8s%06lu", base, snr);
	scenario_imei_check_digit(out);
}
