/*
 * Image-layer throughput: Intel HEX parse and format of 1 MiB and 16 MiB
 * images, CRC-32 and SHA-256, and patching a table of 5 credentials into the
 * provisioning firmware. Prints figures and ratios against baselines measured
 * in the same run (memcpy of the same bytes; the 1 MiB case for scaling).
 * No assertion on any figure: a benchmark, not a test.
 *
 *   bench_image [--firmware PROVISIONER.hex] [--quick]
 *
 * Without --firmware a small synthetic firmware with a valid manifest is
 * used. --quick shortens every measurement (for a smoke run).
 */
#include "image/digest.h"
#include "image/ihex.h"
#include "image/image.h"
#include "provision/manifest.h"
#include "provision/patch.h"
#include "provision/table.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIB (1024.0 * 1024.0)

struct bench_opts {
	double min_seconds; /* keep repeating a measurement at least this long */
	unsigned min_reps;
};

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Defeats dead-code elimination of results the benchmark does not use. */
static volatile uint32_t bench_sink;

typedef bool (*bench_fn)(void *ctx);

/* Seconds per call. `cpu` (this thread's CPU time) is the figure ratios use:
 * on a shared machine wall time also counts the time other processes held
 * the CPU. `first` is the first call's wall time: it pays for fresh memory
 * (page faults), as a one-shot `nrfcred hex` run does. */
struct timing {
	double wall, cpu, first;
	bool ok;
};

/* Best (minimum) wall and CPU time per call over repeated calls: the minimum
 * is the least disturbed by the other processes sharing the machine. */
static struct timing bench_best(const struct bench_opts *o, bench_fn fn, void *ctx)
{
	struct timing t = {.wall = -1.0, .cpu = -1.0, .first = -1.0, .ok = true};
	double start = clock_s(CLOCK_MONOTONIC);
	unsigned reps = 0;
	while (reps < o->min_reps || clock_s(CLOCK_MONOTONIC) - start < o->min_seconds) {
		double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
		if (!fn(ctx)) {
			t.ok = false;
			return t;
		}
		double w = clock_s(CLOCK_MONOTONIC) - w0, c = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
		if (reps == 0)
			t.first = w;
		if (t.wall < 0 || w < t.wall)
			t.wall = w;
		if (t.cpu < 0 || c < t.cpu)
			t.cpu = c;
		reps++;
	}
	if (t.cpu <= 0) /* coarse CPU clock: fall back to wall */
		t.cpu = t.wall;
	return t;
}

static void fill_random(uint8_t *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed;
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
}

/* ------------------------------------------------------------ contexts */

struct copy_ctx {
	uint8_t *dst;
	const uint8_t *src;
	size_t len;
};

static bool do_memcpy(void *p)
{
	struct copy_ctx *c = p;
	memcpy(c->dst, c->src, c->len);
	bench_sink += c->dst[c->len / 2];
	return true;
}

struct hex_ctx {
	const struct image *img; /* for format */
	const char *text;	 /* for parse */
	size_t text_len;
};

static bool do_format(void *p)
{
	struct hex_ctx *c = p;
	char *out = NULL;
	size_t len = 0;
	if (ihex_format(c->img, 32, NULL, &out, &len) != IHEX_OK)
		return false;
	bench_sink += (uint32_t)len;
	free(out);
	return true;
}

static bool do_parse(void *p)
{
	struct hex_ctx *c = p;
	struct image *img = image_create();
	struct ihex_diag diag;
	bool ok = img && ihex_parse(c->text, c->text_len, img, NULL, &diag) == IHEX_OK;
	if (!ok && img)
		fprintf(stderr, "bench_image: parse: line %u: %s\n", diag.line, diag.detail);
	if (ok)
		bench_sink += (uint32_t)image_size(img);
	image_destroy(img);
	return ok;
}

struct digest_ctx {
	const uint8_t *data;
	size_t len;
};

static bool do_crc32(void *p)
{
	struct digest_ctx *c = p;
	bench_sink += crc32_ieee(c->data, c->len);
	return true;
}

static bool do_sha256(void *p)
{
	struct digest_ctx *c = p;
	uint8_t out[SHA256_LEN];
	sha256(c->data, c->len, out);
	bench_sink += out[0];
	return true;
}

/* Five credentials of the sizes a real device certificate set has (PEM). */
struct patch_ctx {
	struct image *fw;
	const uint8_t *content[5];
	size_t len[5];
	size_t table_bytes;
};

static bool do_patch(void *p)
{
	static const uint32_t tags[5] = {42, 42, 42, 43, 43};
	static const uint8_t types[5] = {NRFCRED_TYPE_CA_CERT, NRFCRED_TYPE_CLIENT_CERT,
					 NRFCRED_TYPE_CLIENT_KEY, NRFCRED_TYPE_PSK,
					 NRFCRED_TYPE_PSK_IDENTITY};
	struct patch_ctx *c = p;
	struct provision_diag diag = {{0}};
	struct manifest m;
	if (manifest_find(c->fw, &m, &diag) != MANIFEST_OK) {
		fprintf(stderr, "bench_image: manifest: %s\n", diag.text);
		return false;
	}
	struct table *t = table_create(0);
	if (!t)
		return false;
	bool ok = true;
	for (int i = 0; i < 5 && ok; i++)
		ok = table_add(t, tags[i], types[i], NRFCRED_ENTRY_F_DELETE_FIRST, c->content[i],
			       c->len[i], false, &diag) == TABLE_OK;
	if (ok)
		ok = patch_apply(c->fw, &m, t, &diag) == PATCH_OK;
	if (!ok)
		fprintf(stderr, "bench_image: patch: %s\n", diag.text);
	c->table_bytes = table_encoded_size(t);
	table_destroy(t);
	return ok;
}

/* ------------------------------------------------------------ inputs */

/* A 16 KiB "firmware" at 0 with a manifest at 0x200 naming a table area at
 * 0x10000 (8 KiB) and a result area at 0x12000 (4 KiB). */
static struct image *synthetic_firmware(void)
{
	struct image *img = image_create();
	uint8_t *code = malloc(16384);
	if (!img || !code) {
		free(code);
		image_destroy(img);
		return NULL;
	}
	fill_random(code, 16384, 7);
	struct manifest m = {
		.version = NRFCRED_MANIFEST_VERSION,
		.size = NRFCRED_MANIFEST_SIZE,
		.table_addr = 0x10000,
		.table_max = 0x2000,
		.result_addr = 0x12000,
		.result_max = 0x1000,
	};
	manifest_encode(&m, code + 0x200);
	image_err e = image_write(img, 0, code, 16384);
	free(code);
	if (e != IMAGE_OK) {
		image_destroy(img);
		return NULL;
	}
	return img;
}

/* PEM-looking text of len bytes: base64 alphabet, 64-character lines. */
static uint8_t *pem_like(const char *label, size_t len, uint32_t seed)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t *buf = malloc(len);
	if (!buf)
		return NULL;
	int n = snprintf((char *)buf, len, "-----BEGIN %s-----\n", label);
	size_t pos = n > 0 ? (size_t)n : 0, col = 0;
	uint32_t x = seed;
	for (; pos < len; pos++) {
		x = x * 1103515245u + 12345u;
		buf[pos] = (++col % 65 == 0) ? '\n' : (uint8_t)b64[(x >> 16) & 63];
	}
	return buf;
}

/* ------------------------------------------------------------ output */

static void header(const char *title)
{
	printf("%s\n  %-40s %10s %10s %10s %-6s %s\n", title, "what", "cpu best", "wall best",
	       "wall 1st", "unit", "ratio (cpu time)");
}

/* A rate row (amount / time, e.g. MiB/s) or a duration row (time * scale,
 * e.g. us) when amount is 0. */
static void row(const char *what, struct timing t, double amount, double scale, const char *unit,
		const char *ratio)
{
	double c = amount > 0 ? amount / t.cpu : t.cpu * scale;
	double w = amount > 0 ? amount / t.wall : t.wall * scale;
	double f = amount > 0 ? amount / t.first : t.first * scale;
	printf("  %-40s %10.1f %10.1f %10.1f %-6s %s\n", what, c, w, f, unit, ratio);
}

/* Parse + format + memcpy baseline for one image size; stores the per-MiB
 * CPU times for the scaling ratios. */
static int bench_hex(const struct bench_opts *o, size_t bytes, double *parse_s_per_mib,
		     double *format_s_per_mib, double *parse_s)
{
	uint8_t *data = malloc(bytes), *copy = malloc(bytes);
	struct image *img = image_create();
	char *text = NULL;
	size_t text_len = 0;
	int rc = 1;
	if (!data || !copy || !img)
		goto out;
	fill_random(data, bytes, (uint32_t)bytes);
	if (image_write(img, 0, data, bytes) != IMAGE_OK ||
	    ihex_format(img, 32, NULL, &text, &text_len) != IHEX_OK)
		goto out;

	double mib = (double)bytes / MIB;
	struct copy_ctx cc = {copy, data, bytes};
	struct hex_ctx hc = {img, text, text_len};
	struct timing t_copy = bench_best(o, do_memcpy, &cc);
	struct timing t_parse = bench_best(o, do_parse, &hc);
	struct timing t_format = bench_best(o, do_format, &hc);
	if (!t_parse.ok || !t_format.ok)
		goto out;
	char title[96], r[64];
	snprintf(title, sizeof(title),
		 "Intel HEX, %.0f MiB image (%.1f MiB of text, 32-byte records)", mib,
		 (double)text_len / MIB);
	header(title);
	row("memcpy of the image bytes (baseline)", t_copy, mib, 0, "MiB/s", "1.00x");
	snprintf(r, sizeof(r), "%.1fx memcpy time", t_parse.cpu / t_copy.cpu);
	row("parse (ihex_parse: text -> image)", t_parse, mib, 0, "MiB/s", r);
	snprintf(r, sizeof(r), "%.1fx memcpy time", t_format.cpu / t_copy.cpu);
	row("write (ihex_format: image -> text)", t_format, mib, 0, "MiB/s", r);
	row("parse, time per image", t_parse, 0, 1e3, "ms", "");
	row("write, time per image", t_format, 0, 1e3, "ms", "");
	*parse_s_per_mib = t_parse.cpu / mib;
	*format_s_per_mib = t_format.cpu / mib;
	*parse_s = t_parse.cpu;
	rc = 0;
out:
	free(text);
	image_destroy(img);
	free(copy);
	free(data);
	return rc;
}

static int bench_digests(const struct bench_opts *o)
{
	size_t bytes = 16u << 20;
	uint8_t *data = malloc(bytes), *copy = malloc(bytes);
	if (!data || !copy) {
		free(data);
		free(copy);
		return 1;
	}
	fill_random(data, bytes, 99);
	struct copy_ctx cc = {copy, data, bytes};
	struct digest_ctx dc = {data, bytes};
	double mib = (double)bytes / MIB;
	struct timing t_copy = bench_best(o, do_memcpy, &cc);
	struct timing t_crc = bench_best(o, do_crc32, &dc);
	struct timing t_sha = bench_best(o, do_sha256, &dc);
	char r[80];
	header("Digests over 16 MiB");
	row("memcpy (baseline)", t_copy, mib, 0, "MiB/s", "1.00x");
	snprintf(r, sizeof(r), "%.1fx memcpy time", t_crc.cpu / t_copy.cpu);
	row("CRC-32/IEEE (crc32_update)", t_crc, mib, 0, "MiB/s", r);
	snprintf(r, sizeof(r), "%.1fx memcpy time, %.2fx CRC-32 time", t_sha.cpu / t_copy.cpu,
		 t_sha.cpu / t_crc.cpu);
	row("SHA-256 (mbedTLS)", t_sha, mib, 0, "MiB/s", r);
	free(copy);
	free(data);
	return 0;
}

static int bench_patch(const struct bench_opts *o, const char *fw_path, double parse_1mib_s)
{
	struct image *fw = NULL;
	if (fw_path) {
		struct ihex_diag d;
		if (ihex_read_file(fw_path, &fw, NULL, &d) != IHEX_OK) {
			fprintf(stderr, "bench_image: %s: line %u: %s\n", fw_path, d.line,
				d.detail);
			return 1;
		}
	} else {
		fw = synthetic_firmware();
	}
	if (!fw)
		return 1;
	/* CA 1.4 KB, client cert 1.1 KB, EC key 0.24 KB PEM, 32-digit PSK,
	 * identity: the size of a typical cloud device credential set. */
	struct patch_ctx pc = {.fw = fw};
	static const char *labels[3] = {"CERTIFICATE", "CERTIFICATE", "EC PRIVATE KEY"};
	static const size_t sizes[3] = {1400, 1100, 240};
	int rc = 1;
	for (int i = 0; i < 3; i++) {
		pc.content[i] = pem_like(labels[i], sizes[i], (uint32_t)i + 1);
		pc.len[i] = sizes[i];
		if (!pc.content[i])
			goto out;
	}
	pc.content[3] = (const uint8_t *)"000102030405060708090a0b0c0d0e0f";
	pc.len[3] = 32;
	pc.content[4] = (const uint8_t *)"nrfcred-bench-device";
	pc.len[4] = 20;
	struct timing t = bench_best(o, do_patch, &pc);
	if (!t.ok)
		goto out;
	char title[160], r[64];
	snprintf(r, sizeof(r), "%.4fx parsing a 1 MiB hex", t.cpu / parse_1mib_s);
	snprintf(title, sizeof(title),
		 "Patching the provisioner (%s, %llu bytes) with 5 credentials (%zu-byte table)",
		 fw_path ? "built firmware" : "synthetic 16 KiB firmware",
		 (unsigned long long)image_size(fw), pc.table_bytes);
	header(title);
	row("manifest_find + 5x table_add + patch_apply", t, 0, 1e6, "us", r);
	rc = 0;
out:
	for (int i = 0; i < 3; i++)
		free((void *)pc.content[i]);
	image_destroy(fw);
	return rc;
}

int main(int argc, char **argv)
{
	struct bench_opts o = {.min_seconds = 0.5, .min_reps = 3};
	const char *fw_path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			o.min_seconds = 0.0;
			o.min_reps = 2;
		} else if (strcmp(argv[i], "--firmware") == 0 && i + 1 < argc) {
			fw_path = argv[++i];
		} else {
			fprintf(stderr,
				"usage: bench_image [--firmware PROVISIONER.hex] [--quick]\n");
			return 2;
		}
	}
	printf("bench_image: best of >= %u calls and >= %.1f s per figure; MiB = 2^20 payload "
	       "bytes;\n'wall 1st' is the first call (fresh memory, page faults)\n\n",
	       o.min_reps, o.min_seconds);
	double p1 = 0, f1 = 0, p16 = 0, f16 = 0, parse1 = 0, parse16 = 0;
	if (bench_hex(&o, 1u << 20, &p1, &f1, &parse1) != 0)
		return 1;
	printf("\n");
	if (bench_hex(&o, 16u << 20, &p16, &f16, &parse16) != 0)
		return 1;
	printf("\nScaling 16 MiB vs 1 MiB, cpu time per MiB (1.00 = linear): parse %.2f, "
	       "write %.2f\n\n",
	       p16 / p1, f16 / f1);
	if (bench_digests(&o) != 0)
		return 1;
	printf("\n");
	if (bench_patch(&o, fw_path, parse1) != 0)
		return 1;
	return 0;
}
