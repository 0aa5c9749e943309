/* AT command formatting and response parsing (3GPP TS 27.007 framing as the
 * nRF91 modem uses it: information lines, then a final "OK", "ERROR" or
 * "+CME ERROR: <n>" line; nrf91-registers.md §9). Responses are untrusted text:
 * every parser is bounded by the buffer's NUL and never reads past it. */
#include "prov_internal.h"

void prov_buf_init(struct prov_buf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	b->overflow = cap == 0;
	if (cap > 0)
		p[0] = '\0';
}

void prov_buf_bytes(struct prov_buf *b, const uint8_t *s, size_t n)
{
	if (b->overflow || n >= b->cap - b->len) {
		b->overflow = true;
		return;
	}
	prov_mem_copy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void prov_buf_str(struct prov_buf *b, const char *s)
{
	prov_buf_bytes(b, (const uint8_t *)s, prov_str_len(s, b->cap));
}

void prov_buf_u32(struct prov_buf *b, uint32_t v)
{
	char tmp[10];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0);
	char out[10];
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	prov_buf_bytes(b, (const uint8_t *)out, n);
}

static bool is_eol(char c)
{
	return c == '\r' || c == '\n';
}

static bool starts_with(const char *s, size_t n, const char *prefix)
{
	size_t i = 0;
	for (; prefix[i] != '\0'; i++) {
		if (i >= n || s[i] != prefix[i])
			return false;
	}
	return true;
}

/* Parses 1..10 decimal digits at s[0..n) into *out (must fit 32 bits). */
static size_t parse_u32(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	while (i < n && i < 10 && s[i] >= '0' && s[i] <= '9') {
		v = v * 10u + (uint64_t)(s[i] - '0');
		i++;
	}
	if (i == 0 || v > UINT32_MAX || (i < n && s[i] >= '0' && s[i] <= '9'))
		return 0;
	*out = (uint32_t)v;
	return i;
}

int prov_at_final_code(const char *resp, size_t len)
{
	len = prov_str_len(resp, len);
	/* Trim trailing line ends, then find the start of the last line. */
	size_t end = len;
	while (end > 0 && is_eol(resp[end - 1]))
		end--;
	size_t start = end;
	while (start > 0 && !is_eol(resp[start - 1]))
		start--;
	const char *line = resp + start;
	size_t n = end - start;
	if (n == 2 && starts_with(line, n, "OK"))
		return PROV_AT_OK;
	if (starts_with(line, n, "+CME ERROR:")) {
		size_t i = 11;
		while (i < n && line[i] == ' ')
			i++;
		uint32_t code;
		size_t digits = parse_u32(line + i, n - i, &code);
		if (digits == 0 || i + digits != n || code == 0 || code > 0x7fffffffu)
			return PROV_AT_ERROR;
		return (int)code;
	}
	return PROV_AT_ERROR; /* "ERROR", "+CMS ERROR", or no final line at all */
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

int prov_parse_imei(const char *resp, char imei[16])
{
	size_t len = prov_str_len(resp, PROV_AT_RESP_MAX);
	for (size_t pos = 0; pos < len;) {
		size_t end = pos;
		while (end < len && !is_eol(resp[end]))
			end++;
		const char *line = resp + pos;
		size_t n = end - pos;
		const char *digits = NULL;
		/* AT+CGSN=1: +CGSN: "<imei>"; AT+CGSN: the bare number (AT-CGSN). */
		if (n == 24 && starts_with(line, n, "+CGSN: \"") && line[23] == '"')
			digits = line + 8;
		else if (n == 15)
			digits = line;
		if (digits != NULL && all_digits(digits, 15)) {
			prov_mem_copy(imei, digits, 15);
			imei[15] = '\0';
			return 0;
		}
		pos = end + 1;
	}
	return -1;
}

int prov_parse_cgmr(const char *resp, char fw[32])
{
	prov_mem_set(fw, 0, 32);
	size_t len = prov_str_len(resp, PROV_AT_RESP_MAX);
	size_t pos = 0;
	while (pos < len && is_eol(resp[pos]))
		pos++;
	size_t end = pos;
	while (end < len && !is_eol(resp[end]))
		end++;
	size_t n = end - pos;
	if (n == 0 || n > 31 || (n == 2 && starts_with(resp + pos, n, "OK")))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (resp[pos + i] < 0x20 || resp[pos + i] > 0x7e)
			return -1; /* the result block carries printable ASCII only */
	}
	prov_mem_copy(fw, resp + pos, n);
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t skip_spaces(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

/* Parses one unsigned field at s[*i..n) after optional spaces. */
static bool field_u32(const char *s, size_t n, size_t *i, uint32_t *v)
{
	size_t j = skip_spaces(s, n, *i);
	size_t d = parse_u32(s + j, n - j, v);
	if (d == 0)
		return false;
	*i = j + d;
	return true;
}

/*
 * One line of the AT%CMNG=1 list answer. AT command reference, %CMNG set
 * command, "Response syntax for list operation": `%CMNG: <sec_tag>,<type>[,<sha>]`
 * with <sha> a quoted string of 64 hex digits. The modem prints no spaces
 * (nRF Cloud utils' example `%CMNG: 123,0,"2C43...5BD1"`; NCS modem_key_mgmt
 * test data `%CMNG: 16842753,1,"B9BA...7A45"`). Spaces after ':' and ',' are
 * accepted too: the reference does not promise the modem never prints them.
 * Returns PROV_CMNG_NOT_LISTED when the line is about another credential (or
 * is no %CMNG line), PROV_CMNG_MALFORMED when it names (tag,type) but the rest
 * is not exactly one of the two forms.
 */
static int parse_cmng_line(const char *s, size_t n, uint32_t tag, uint8_t type, uint8_t sha[32])
{
	if (!starts_with(s, n, "%CMNG:"))
		return PROV_CMNG_NOT_LISTED;
	size_t i = 6;
	uint32_t got_tag, got_type;
	if (!field_u32(s, n, &i, &got_tag) || i >= n || s[i] != ',')
		return PROV_CMNG_NOT_LISTED;
	i++;
	if (!field_u32(s, n, &i, &got_type))
		return PROV_CMNG_NOT_LISTED;
	if (got_tag != tag || got_type != type)
		return PROV_CMNG_NOT_LISTED;
	if (i == n)
		return PROV_CMNG_LISTED_NO_DIGEST; /* `%CMNG: <tag>,<type>`: no <sha> */
	if (s[i] != ',')
		return PROV_CMNG_MALFORMED;
	i = skip_spaces(s, n, i + 1);
	/* Exactly `"` + 64 hex + `"` to the end of the line: an empty or short
	 * digest is not "no digest" (the reference has no such form). */
	if (n - i != 66 || s[i] != '"' || s[i + 65] != '"')
		return PROV_CMNG_MALFORMED;
	const char *hex = s + i + 1;
	uint8_t out[32];
	for (size_t k = 0; k < 32; k++) {
		int hi = hex_value(hex[2 * k]);
		int lo = hex_value(hex[2 * k + 1]);
		if (hi < 0 || lo < 0)
			return PROV_CMNG_MALFORMED;
		out[k] = (uint8_t)(hi << 4 | lo);
	}
	prov_mem_copy(sha, out, 32);
	return PROV_CMNG_DIGEST;
}

int prov_parse_cmng_list(const char *resp, uint32_t tag, uint8_t type, uint8_t sha[32])
{
	size_t len = prov_str_len(resp, PROV_AT_RESP_MAX);
	for (size_t pos = 0; pos < len;) {
		size_t end = pos;
		while (end < len && !is_eol(resp[end]))
			end++;
		/* The first line that names (tag,type) decides: the reference
		 * makes the pair unique, so a second line would be a modem fault. */
		int rc = parse_cmng_line(resp + pos, end - pos, tag, type, sha);
		if (rc != PROV_CMNG_NOT_LISTED)
			return rc;
		pos = end + 1;
	}
	return PROV_CMNG_NOT_LISTED;
}

/* ---- %KEYGEN and %ATTESTTOKEN answers (AT reference security/keygen_set,
 * attesttoken_set; docs/hardware/nrf91.md §10): one information line
 * `%NAME: "<base64url>.<base64url>"`, base64url per RFC 4648 §5 without
 * padding, as nRF Cloud utils decode it. */

static int b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decodes s[0, n) into out (cap bytes). Refuses a length no encoding has
 * (n % 4 == 1), a character outside the alphabet, and set bits after the
 * last byte (a non-canonical encoding). Returns the byte count or -1. */
static long b64url_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	if (n % 4u == 1u)
		return -1;
	size_t bytes = n / 4u * 3u + (n % 4u == 0 ? 0 : n % 4u - 1u);
	if (bytes > cap)
		return -1;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_value(s[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1u;
		}
	}
	if (acc != 0)
		return -1;
	return (long)o;
}

/* The text between the quotes of the first `<prefix>"...."` line: must end
 * the line. Returns 0 with *body and *len set, or -1. */
static int quoted_line(const char *resp, const char *prefix, const char **body, size_t *len)
{
	size_t total = prov_str_len(resp, PROV_AT_RESP_MAX);
	size_t plen = prov_str_len(prefix, 32);
	for (size_t pos = 0; pos < total;) {
		size_t end = pos;
		while (end < total && !is_eol(resp[end]))
			end++;
		const char *line = resp + pos;
		size_t n = end - pos;
		if (starts_with(line, n, prefix)) {
			if (n < plen + 2 || line[plen] != '"' || line[n - 1] != '"')
				return -1;
			*body = line + plen + 1;
			*len = n - plen - 2;
			return 0;
		}
		pos = end + 1;
	}
	return -1;
}

/* Splits body at its one '.' into two non-empty halves. */
static int split_dot(const char *body, size_t len, size_t *dot)
{
	size_t found = len;
	for (size_t i = 0; i < len; i++) {
		if (body[i] == '.') {
			if (found != len)
				return -1;
			found = i;
		}
	}
	if (found == len || found == 0 || found + 1 == len)
		return -1;
	*dot = found;
	return 0;
}

int prov_parse_keygen(const char *resp, uint8_t *out, size_t cap, uint16_t *csr_len,
		      uint16_t *cose_len)
{
	const char *body;
	size_t len, dot;
	if (quoted_line(resp, "%KEYGEN: ", &body, &len) != 0 || split_dot(body, len, &dot) != 0)
		return -1;
	size_t room = cap < PROV_CSR_MAX ? cap : PROV_CSR_MAX;
	long csr = b64url_decode(body, dot, out, room);
	if (csr <= 0 || out[0] != 0x30)
		return -1; /* a PKCS#10 request is a DER SEQUENCE */
	room = cap - (size_t)csr < PROV_COSE_MAX ? cap - (size_t)csr : PROV_COSE_MAX;
	long cose = b64url_decode(body + dot + 1, len - dot - 1, out + csr, room);
	if (cose <= 0)
		return -1;
	*csr_len = (uint16_t)csr;
	*cose_len = (uint16_t)cose;
	return 0;
}

int prov_parse_attest(const char *resp, const char **token, size_t *len)
{
	const char *body;
	size_t n, dot;
	if (quoted_line(resp, "%ATTESTTOKEN: ", &body, &n) != 0 || split_dot(body, n, &dot) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (i != dot && b64url_value(body[i]) < 0)
			return -1;
	}
	if (dot % 4u == 1u || (n - dot - 1u) % 4u == 1u)
		return -1;
	*token = body;
	*len = n;
	return 0;
}
