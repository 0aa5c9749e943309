/* Simulated nRF91 modem: AT interpreter and mailbox (rules in modem.h). */
#include "modem.h"

#include <mbedtls/sha256.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_params.h"
#include "modem_keygen.h"
#include "modem_store.h"
#include "nrfcred/sim_mailbox.h"

#define MAX_PARAMS 6

struct simmodem {
	struct simmodem_params p;
	struct mstore store;
	bool list_digest; /* %CMNG=1 lines carry <sha> (simmodem_fw_lists_digest) */
	bool has_keygen;  /* %KEYGEN, %ATTESTTOKEN known (simmodem_fw_has_keygen) */
	bool cmee;
	int cfun;
	bool started;
	/* mailbox */
	uint8_t cmd[SIM_MBOX_CMD_SIZE];
	uint32_t cmd_len;
	char resp[SIM_MBOX_RESP_SIZE + 1];
	uint32_t resp_len;
	bool busy, done, overflow, error;
	uint64_t ready_at;
	bool poll_hint;
	uint64_t commands;
};

struct simmodem *simmodem_create(const struct simmodem_params *params)
{
	struct simmodem *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->p = *params;
	m->store.blob = params->store;
	m->store.len = params->store_len;
	m->store.cap = params->store_cap;
	/* A damaged blob (hand-edited state file) starts over empty rather
	 * than making every later command fail. */
	if (mstore_count(m->store.blob, *m->store.len) < 0)
		*m->store.len = 0;
	m->list_digest = simmodem_fw_lists_digest(params->modem_fw);
	m->has_keygen = simmodem_fw_has_keygen(params->modem_fw);
	simmodem_reset(m);
	return m;
}

/* ---- modem firmware version */

/* "X.Y.Z", each 1..3 digits, as the whole of s[0, n). */
static bool version_token(const char *s, size_t n, unsigned v[3])
{
	size_t i = 0;
	for (int k = 0; k < 3; k++) {
		size_t start = i;
		unsigned x = 0;
		while (i < n && i - start < 4 && s[i] >= '0' && s[i] <= '9')
			x = x * 10u + (unsigned)(s[i++] - '0');
		if (i == start || i - start > 3)
			return false;
		v[k] = x;
		if (k < 2 && (i >= n || s[i++] != '.'))
			return false;
	}
	return i == n;
}

bool simmodem_fw_version(const char *fw, unsigned ver[3])
{
	/* nRF Cloud utils (device_credentials_installer.py, parse_mfw_ver and
	 * MIN_REQD_MFW_VER_FOR_VERIFY = "1.3.2", commit 6aecafb "verify option
	 * should be 1.3.2 or greater") take the one X.Y.Z in the AT+CGMR string
	 * that sits between '_'/'-' or the ends ("mfw_nrf9160_1.3.0-FOTA-TEST",
	 * "mfw_nrf91x1_2.0.1", "mfw_nrf9151-ntn_1.0.0"). A string that is not
	 * "mfw_..." with exactly one such X.Y.Z has no version here (utils
	 * "continues" there; callers assume the old behaviour). */
	if (fw == NULL || strncmp(fw, "mfw_", 4) != 0)
		return false;
	int found = 0;
	size_t n = strlen(fw);
	for (size_t start = 0; start <= n;) {
		size_t end = start;
		while (end < n && fw[end] != '_' && fw[end] != '-')
			end++;
		unsigned v[3];
		if (version_token(fw + start, end - start, v)) {
			found++;
			memcpy(ver, v, sizeof(v));
		}
		start = end + 1;
	}
	return found == 1;
}

bool simmodem_fw_lists_digest(const char *fw)
{
	/* The AT reference only says <sha> is optional in the list answer
	 * ("%CMNG: <sec_tag>,<type>[,<sha>]"), not from which version it
	 * appears, so the simulator takes the harsher reading of utils' rule
	 * (simmodem_fw_version): the modem lists no <sha> below 1.3.2, on every
	 * firmware line alike (the number alone decides, as in utils: so
	 * mfw_nrf9151-ntn_1.x lists none either; no document says it does),
	 * and none when the version is unrecognised. */
	unsigned ver[3];
	if (!simmodem_fw_version(fw, ver))
		return false;
	static const unsigned min[3] = {1, 3, 2};
	for (int k = 0; k < 3; k++) {
		if (ver[k] != min[k])
			return ver[k] > min[k];
	}
	return true;
}

void simmodem_destroy(struct simmodem *m)
{
	if (!m)
		return;
	memset(m->cmd, 0, sizeof(m->cmd)); /* may hold a private key */
	free(m);
}

void simmodem_reset(struct simmodem *m)
{
	m->cmee = false;
	m->cfun = 0;
	m->started = false;
	m->busy = m->done = m->overflow = m->error = false;
	m->cmd_len = 0;
	m->resp_len = 0;
	m->poll_hint = false;
	memset(m->cmd, 0, sizeof(m->cmd));
}

/* ---- response building */

struct out {
	char *buf;
	size_t cap, len;
};

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->cap > 0 && o->len < o->cap - 1) {
		size_t room = o->cap - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
		o->buf[o->len + (n < room ? n : room)] = '\0';
	}
	o->len += n;
}

static void out_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_add(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void ok(struct out *o)
{
	out_add(o, "OK\r\n", 4);
}

static void error(struct out *o)
{
	out_add(o, "ERROR\r\n", 7);
}

static void cme(const struct simmodem *m, struct out *o, int code)
{
	if (m->cmee && code > 0)
		out_fmt(o, "+CME ERROR: %d\r\n", code);
	else
		error(o);
}

static bool eq_nocase(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++) {
		char c = a[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != b[i])
			return false;
	}
	return true;
}

/* ---- commands */

static void sha_hex(const uint8_t *content, size_t n, char hex[65])
{
	uint8_t d[32];
	mbedtls_sha256_ret(content, n, d, 0);
	for (int i = 0; i < 32; i++)
		snprintf(hex + (size_t)2 * i, 3, "%02X", d[i]);
}

/* The <sha> the modem reports for a stored entry: the SHA-256 of its
 * content, unless the scenario's bad_digest names the entry; then that of
 * the content with its last bit flipped, as a modem would report that had
 * stored a copy changed on its way in. */
static void reported_sha_hex(const struct simmodem *m, const struct mstore_entry *e, char hex[65])
{
	const struct simboard_faults *f = m->p.faults;
	if (!f->bad_digest_on || f->bad_digest_sec_tag != e->sec_tag ||
	    f->bad_digest_type != e->type || e->length == 0) {
		sha_hex(e->content, e->length, hex);
		return;
	}
	uint8_t d[32];
	mbedtls_sha256_context ctx;
	uint8_t last = e->content[e->length - 1] ^ 1u;
	mbedtls_sha256_init(&ctx);
	mbedtls_sha256_starts_ret(&ctx, 0);
	mbedtls_sha256_update_ret(&ctx, e->content, e->length - 1u);
	mbedtls_sha256_update_ret(&ctx, &last, 1);
	mbedtls_sha256_finish_ret(&ctx, d);
	mbedtls_sha256_free(&ctx);
	for (int i = 0; i < 32; i++)
		snprintf(hex + (size_t)2 * i, 3, "%02X", d[i]);
}

static bool active(const struct simmodem *m)
{
	/* AT-CMNG: writes/deletes only while not in +CFUN 1, 2 or 21. */
	return m->cfun == 1 || m->cfun == 2 || m->cfun == 21;
}

static int content_error(uint8_t type, const struct at_param *c)
{
	if (!c->quoted || c->n == 0 || c->n > SIMMODEM_CONTENT_MAX)
		return 527;
	if (type == 3) {
		if (c->n % 2 != 0)
			return 527;
		for (size_t i = 0; i < c->n; i++) {
			char h = c->s[i];
			if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') ||
			      (h >= 'A' && h <= 'F')))
				return 527;
		}
	} else if (type != 4) {
		if (memmem(c->s, c->n, "-----BEGIN ", 11) == NULL)
			return 527;
	}
	return 0;
}

static void list_one(const struct simmodem *m, struct out *o, const struct mstore_entry *e)
{
	if (!m->list_digest) {
		/* "%CMNG: <sec_tag>,<type>[,<sha>]" without the optional <sha>. */
		out_fmt(o, "%%CMNG: %u,%u\r\n", e->sec_tag, e->type);
		return;
	}
	char hex[65];
	reported_sha_hex(m, e, hex);
	out_fmt(o, "%%CMNG: %u,%u,\"%s\"\r\n", e->sec_tag, e->type, hex);
}

static void cmd_cmng(struct simmodem *m, const struct at_param *pv, int np, struct out *o,
		     uint64_t *latency)
{
	uint32_t op, tag = 0, type = 0;
	if (np < 1 || !at_param_u32(&pv[0], &op) || op > 3) {
		error(o);
		return;
	}
	bool have_tag = np >= 2 && at_param_u32(&pv[1], &tag);
	bool have_type = np >= 3 && at_param_u32(&pv[2], &type);
	if ((np >= 2 && !have_tag) || (np >= 3 && !have_type)) {
		error(o);
		return;
	}
	if (op == 1) { /* list: all, one tag, or one (tag,type) */
		if (np > 3) {
			error(o);
			return;
		}
		int count = mstore_count(m->store.blob, *m->store.len);
		for (int i = 0; i < count; i++) {
			struct mstore_entry e;
			mstore_entry_at(m->store.blob, *m->store.len, i, &e);
			if ((!have_tag || e.sec_tag == tag) && (!have_type || e.type == type))
				list_one(m, o, &e);
		}
		ok(o);
		return;
	}
	if (!have_tag || !have_type) {
		error(o);
		return;
	}
	if (tag > 2147483647u || type > 6) {
		cme(m, o, 514);
		return;
	}
	struct mstore_entry e;
	if (op == 2) {
		if (np != 3) {
			error(o);
		} else if (mstore_find(&m->store, tag, (uint8_t)type, &e) != MSTORE_OK) {
			cme(m, o, 513);
		} else if (type == 2) {
			cme(m, o, 514);
		} else {
			char hex[65];
			reported_sha_hex(m, &e, hex);
			out_fmt(o, "%%CMNG: %u,%u,\"%s\",\"", tag, type, hex);
			out_add(o, (const char *)e.content, e.length);
			out_add(o, "\"\r\n", 3);
			ok(o);
		}
		return;
	}
	if (op == 3) {
		if (np != 3) {
			error(o);
		} else if (active(m)) {
			cme(m, o, 518);
		} else if (mstore_delete(&m->store, tag, (uint8_t)type) != MSTORE_OK) {
			cme(m, o, 513);
		} else {
			ok(o);
		}
		return;
	}
	/* op 0: write, content and optional password (type 2 only, <= 32). */
	*latency = m->p.timing->modem_cmng_write_ns;
	if (np < 4 || np > 5 || (np == 5 && (type != 2 || !pv[4].quoted || pv[4].n > 32))) {
		error(o);
		return;
	}
	if (active(m)) {
		cme(m, o, 518);
		return;
	}
	const struct simboard_faults *f = m->p.faults;
	if (f->modem_error_type >= 0 && (uint32_t)f->modem_error_type == type &&
	    f->modem_error_sec_tag == tag) {
		cme(m, o, f->modem_error_code);
		return;
	}
	int bad = content_error((uint8_t)type, &pv[3]);
	if (bad) {
		cme(m, o, bad);
		return;
	}
	int rc = mstore_put(&m->store, tag, (uint8_t)type, (const uint8_t *)pv[3].s,
			    (uint16_t)pv[3].n);
	if (rc == MSTORE_FULL || rc == MSTORE_NOMEM)
		cme(m, o, 515);
	else if (rc != MSTORE_OK)
		error(o);
	else
		ok(o);
}

static void out_sink(void *ctx, const char *s, size_t n)
{
	out_add(ctx, s, n);
}

/* %KEYGEN / %ATTESTTOKEN (modem_keygen.c); unknown to a modem firmware
 * older than 1.3.0, which answers ERROR as for any unknown command. */
static void cmd_security(struct simmodem *m, bool keygen, const char *args, size_t n, struct out *o)
{
	if (!m->has_keygen) {
		error(o);
		return;
	}
	struct simmodem_identity id = {
		.device_id = m->p.device_id, .part = m->p.part, .modem_fw = m->p.modem_fw};
	struct simmodem_out sink = {.add = out_sink, .ctx = o};
	int rc;
	if (keygen)
		rc = n >= 1 && args[0] == '='
			     ? simmodem_keygen(&m->store, &id, active(m), args + 1, n - 1, &sink)
			     : -1;
	else
		rc = simmodem_attesttoken(&id, args, n, &sink);
	if (rc == 0)
		ok(o);
	else
		cme(m, o, rc);
}

static void cmd_cfun(struct simmodem *m, const char *args, size_t n, struct out *o)
{
	if (n == 1 && args[0] == '?') {
		out_fmt(o, "+CFUN: %d\r\n", m->cfun);
		ok(o);
		return;
	}
	struct at_param pv[MAX_PARAMS];
	uint32_t fun;
	if (n < 2 || args[0] != '=' || at_params_split(args + 1, n - 1, pv, MAX_PARAMS) != 1 ||
	    !at_param_u32(&pv[0], &fun)) {
		error(o);
		return;
	}
	static const uint32_t valid[] = {0, 1, 2, 4, 20, 21, 30, 31, 40, 41, 44};
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		if (valid[i] == fun) {
			m->cfun = (int)fun;
			ok(o);
			return;
		}
	}
	error(o);
}

static void execute(struct simmodem *m, const char *cmd, size_t n, struct out *o, uint64_t *latency)
{
	if (n < 2 || !eq_nocase(cmd, 2, "AT")) {
		error(o);
		return;
	}
	cmd += 2;
	n -= 2;
	if (n == 0) {
		ok(o);
		return;
	}
	/* Command name: up to '=' or '?'. */
	size_t name_len = 0;
	while (name_len < n && cmd[name_len] != '=' && cmd[name_len] != '?')
		name_len++;
	const char *args = cmd + name_len;
	size_t args_n = n - name_len;
	struct at_param pv[MAX_PARAMS];
	if (eq_nocase(cmd, name_len, "+CMEE")) {
		if (args_n == 2 && args[0] == '=' && (args[1] == '0' || args[1] == '1')) {
			m->cmee = args[1] == '1';
			ok(o);
		} else if (args_n == 1 && args[0] == '?') {
			out_fmt(o, "+CMEE: %d\r\n", m->cmee ? 1 : 0);
			ok(o);
		} else {
			error(o);
		}
	} else if (eq_nocase(cmd, name_len, "+CFUN")) {
		cmd_cfun(m, args, args_n, o);
	} else if (eq_nocase(cmd, name_len, "+CGSN")) {
		/* AT-CGSN: no parameter / 0 -> bare number, 1 -> +CGSN: "<imei>". */
		if (args_n == 0 || (args_n == 2 && args[0] == '=' && args[1] == '0')) {
			out_fmt(o, "%s\r\n", m->p.imei);
			ok(o);
		} else if (args_n == 2 && args[0] == '=' && args[1] == '1') {
			out_fmt(o, "+CGSN: \"%s\"\r\n", m->p.imei);
			ok(o);
		} else {
			error(o);
		}
	} else if (eq_nocase(cmd, name_len, "+CGMR")) {
		if (args_n == 0) {
			out_fmt(o, "%s\r\n", m->p.modem_fw);
			ok(o);
		} else {
			error(o);
		}
	} else if (eq_nocase(cmd, name_len, "%CMNG")) {
		int np = args_n >= 1 && args[0] == '='
				 ? at_params_split(args + 1, args_n - 1, pv, MAX_PARAMS)
				 : -1;
		if (np < 1)
			error(o);
		else
			cmd_cmng(m, pv, np, o, latency);
	} else if (eq_nocase(cmd, name_len, "%KEYGEN")) {
		cmd_security(m, true, args, args_n, o);
	} else if (eq_nocase(cmd, name_len, "%ATTESTTOKEN")) {
		cmd_security(m, false, args, args_n, o);
	} else {
		error(o);
	}
}

void simmodem_at(struct simmodem *m, const char *cmd, size_t cmd_len, char *resp, size_t resp_cap,
		 size_t *resp_len, uint64_t *latency_ns)
{
	struct out o = {.buf = resp, .cap = resp_cap, .len = 0};
	if (resp_cap > 0)
		resp[0] = '\0';
	uint64_t latency = m->p.timing->modem_cmd_ns;
	execute(m, cmd, cmd_len, &o, &latency);
	if (!m->started) {
		latency += m->p.timing->modem_start_ns;
		m->started = true;
	}
	m->commands++;
	*resp_len = o.len;
	*latency_ns = latency;
}

/* ---- mailbox */

static uint64_t now(const struct simmodem *m)
{
	return m->p.now_ns(m->p.clock_ctx);
}

static void complete_if_due(struct simmodem *m)
{
	if (m->busy && !m->p.faults->firmware_hang && now(m) >= m->ready_at) {
		m->busy = false;
		m->done = true;
	}
}

uint64_t simmodem_ready_at(const struct simmodem *m)
{
	if (!m->busy)
		return 0;
	return m->p.faults->firmware_hang ? UINT64_MAX : m->ready_at;
}

bool simmodem_take_poll_hint(struct simmodem *m)
{
	bool h = m->poll_hint;
	m->poll_hint = false;
	return h;
}

uint64_t simmodem_commands(const struct simmodem *m)
{
	return m->commands;
}

static uint32_t window_word(const uint8_t *buf, uint32_t cap, uint32_t off)
{
	uint32_t v = 0;
	for (uint32_t k = 0; k < 4 && off + k < cap; k++)
		v |= (uint32_t)buf[off + k] << (8 * k);
	return v;
}

enum simbus_result simmodem_mmio_read(void *ctx, uint32_t offset, unsigned size, uint32_t *val)
{
	struct simmodem *m = ctx;
	uint32_t base = offset & ~3u;
	uint32_t word = 0;
	complete_if_due(m);
	if (offset >= SIM_MBOX_RESP && offset < SIM_MBOX_RESP + SIM_MBOX_RESP_SIZE) {
		uint32_t o = base - SIM_MBOX_RESP;
		word = m->busy ? 0 : window_word((const uint8_t *)m->resp, SIM_MBOX_RESP_SIZE, o);
	} else if (offset >= SIM_MBOX_CMD && offset < SIM_MBOX_CMD + SIM_MBOX_CMD_SIZE) {
		word = 0; /* write-only */
	} else {
		switch (base) {
		case SIM_MBOX_ID:
			word = SIM_MBOX_ID_VALUE;
			break;
		case SIM_MBOX_STATUS:
			word = (m->busy ? SIM_MBOX_ST_BUSY : 0) | (m->done ? SIM_MBOX_ST_DONE : 0) |
			       (m->overflow ? SIM_MBOX_ST_OVERFLOW : 0) |
			       (m->error ? SIM_MBOX_ST_ERROR : 0);
			if (m->busy)
				m->poll_hint = true;
			break;
		case SIM_MBOX_CMD_LEN:
			word = m->cmd_len;
			break;
		case SIM_MBOX_RESP_LEN:
			word = m->busy ? 0 : m->resp_len;
			break;
		default:
			return SIMBUS_ERROR;
		}
	}
	unsigned shift = 8u * (offset & 3u);
	*val = size == 4 ? word : (word >> shift) & (size == 2 ? 0xFFFFu : 0xFFu);
	return SIMBUS_OK;
}

static void doorbell(struct simmodem *m)
{
	if (m->busy || m->cmd_len > SIM_MBOX_CMD_SIZE) {
		m->error = true;
		return;
	}
	size_t full = 0;
	uint64_t latency = 0;
	simmodem_at(m, (const char *)m->cmd, m->cmd_len, m->resp, sizeof(m->resp), &full, &latency);
	m->resp_len = full > SIM_MBOX_RESP_SIZE ? SIM_MBOX_RESP_SIZE : (uint32_t)full;
	m->overflow = full > SIM_MBOX_RESP_SIZE;
	m->error = false;
	m->done = false;
	m->busy = true;
	m->ready_at = now(m) + latency;
	/* The command text may have carried a private key or PSK. */
	memset(m->cmd, 0, m->cmd_len);
}

enum simbus_result simmodem_mmio_write(void *ctx, uint32_t offset, unsigned size, uint32_t val)
{
	struct simmodem *m = ctx;
	complete_if_due(m);
	if (offset >= SIM_MBOX_CMD && offset < SIM_MBOX_CMD + SIM_MBOX_CMD_SIZE) {
		uint32_t o = offset - SIM_MBOX_CMD;
		for (unsigned k = 0; k < size && o + k < SIM_MBOX_CMD_SIZE; k++)
			m->cmd[o + k] = (uint8_t)(val >> (8 * k));
		return SIMBUS_OK;
	}
	if (size != 4)
		return SIMBUS_ERROR;
	switch (offset) {
	case SIM_MBOX_CMD_LEN:
		m->cmd_len = val;
		return SIMBUS_OK;
	case SIM_MBOX_DOORBELL:
		if (val & 1u)
			doorbell(m);
		return SIMBUS_OK;
	case SIM_MBOX_ID:
	case SIM_MBOX_STATUS:
	case SIM_MBOX_RESP_LEN:
		return SIMBUS_OK; /* read-only: writes ignored */
	default:
		return SIMBUS_ERROR;
	}
}

/* ---- read-only store access */

int simmodem_store_foreach(const uint8_t *blob, uint32_t len, simmodem_cred_fn fn, void *ctx)
{
	int count = mstore_count(blob, len);
	for (int i = 0; i < count; i++) {
		struct mstore_entry e;
		mstore_entry_at(blob, len, i, &e);
		struct simmodem_cred_info info = {
			.sec_tag = e.sec_tag, .type = e.type, .length = e.length};
		mbedtls_sha256_ret(e.content, e.length, info.sha256, 0);
		if (fn)
			fn(&info, ctx);
	}
	return count < 0 ? -1 : count;
}
