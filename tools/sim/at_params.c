#include "at_params.h"

int at_params_split(const char *s, size_t n, struct at_param *pv, int max)
{
	int np = 0;
	size_t i = 0;
	if (n == 0)
		return 0;
	for (;;) {
		if (np == max)
			return -1;
		struct at_param *p = &pv[np++];
		if (i < n && s[i] == '"') {
			size_t start = ++i;
			while (i < n && s[i] != '"')
				i++;
			if (i >= n)
				return -1; /* unterminated string */
			*p = (struct at_param){s + start, i - start, true};
			i++;
		} else {
			size_t start = i;
			while (i < n && s[i] != ',')
				i++;
			*p = (struct at_param){s + start, i - start, false};
		}
		if (i == n)
			return np;
		if (s[i] != ',')
			return -1;
		i++;
	}
}

bool at_param_u32(const struct at_param *p, uint32_t *v)
{
	if (p->quoted || p->n == 0 || p->n > 10)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->s[i] < '0' || p->s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(p->s[i] - '0');
	}
	if (x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}
