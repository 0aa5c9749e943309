#include "provision/diag.h"

#include <stdarg.h>
#include <stdio.h>

void provision_diag_set(struct provision_diag *diag, const char *fmt, ...)
{
	if (!diag)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(diag->text, sizeof(diag->text), fmt, ap);
	va_end(ap);
}
