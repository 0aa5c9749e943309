/* `${NAME}` templates of credential values and paths (template.h). */
#include "cred/template.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const names[] = {"IMEI", "DEVICEID", "SLOT"};
enum { VAR_IMEI, VAR_DEVICEID, VAR_SLOT, VAR_COUNT };

#define VALID_NAMES "${IMEI}, ${DEVICEID}, ${SLOT}"

bool template_present(const char *text)
{
	return text != NULL && strstr(text, "${") != NULL;
}

/* The variable of the "${" at p (p[0] == '$', p[1] == '{'): its index and
 * the length of the whole "${NAME}"; -1 when unknown, -2 when unclosed. */
static int var_at(const char *p, size_t *len)
{
	const char *close = strchr(p + 2, '}');
	const char *next = strstr(p + 2, "${");
	if (close == NULL || (next != NULL && next < close))
		return -2;
	size_t n = (size_t)(close - (p + 2));
	*len = n + 3;
	for (int i = 0; i < VAR_COUNT; i++)
		if (strlen(names[i]) == n && memcmp(names[i], p + 2, n) == 0)
			return i;
	return -1;
}

template_err template_check(const char *text, size_t *at, char *why, size_t whylen)
{
	for (const char *p = text; (p = strstr(p, "${")) != NULL;) {
		size_t len = 0;
		int v = var_at(p, &len);
		if (v >= 0) {
			p += len;
			continue;
		}
		if (at)
			*at = (size_t)(p - text) + 1;
		if (why && v == -2)
			snprintf(why, whylen, "'${' at column %zu has no closing '}'; valid: %s",
				 (size_t)(p - text) + 1, VALID_NAMES);
		else if (why)
			snprintf(why, whylen, "unknown template '%.*s' at column %zu; valid: %s",
				 len > 40 ? 40 : (int)len, p, (size_t)(p - text) + 1, VALID_NAMES);
		return v == -2 ? TEMPLATE_ERR_UNCLOSED : TEMPLATE_ERR_NAME;
	}
	return TEMPLATE_OK;
}

template_err template_expand(const char *text, const struct template_vars *v, char *out,
			     size_t outlen)
{
	if (outlen == 0)
		return TEMPLATE_ERR_SPACE;
	size_t o = 0;
	for (const char *p = text; *p;) {
		char piece[24];
		const char *add = piece;
		size_t addlen = 1, skip = 1;
		if (p[0] == '$' && p[1] == '{') {
			int var = var_at(p, &skip);
			if (var == -2) {
				out[o] = '\0';
				return TEMPLATE_ERR_UNCLOSED;
			}
			if (var == -1) {
				out[o] = '\0';
				return TEMPLATE_ERR_NAME;
			}
			if (var == VAR_IMEI)
				add = v->imei ? v->imei : "";
			else if (var == VAR_DEVICEID)
				snprintf(piece, sizeof piece, "%016" PRIx64, v->device_id);
			else
				snprintf(piece, sizeof piece, "%u", v->slot);
			addlen = strlen(add);
		} else {
			piece[0] = *p;
		}
		if (o + addlen >= outlen) {
			out[o] = '\0';
			return TEMPLATE_ERR_SPACE;
		}
		memcpy(out + o, add, addlen);
		o += addlen;
		p += skip;
	}
	out[o] = '\0';
	return TEMPLATE_OK;
}

const char *template_strerror(template_err err)
{
	switch (err) {
	case TEMPLATE_OK:
		return "ok";
	case TEMPLATE_ERR_UNCLOSED:
		return "'${' without its closing '}'";
	case TEMPLATE_ERR_NAME:
		return "unknown template name";
	case TEMPLATE_ERR_SPACE:
		return "the expanded text is too long";
	}
	return "unknown error";
}
