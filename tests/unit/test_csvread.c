/* Reading csvlog's rows back as hostile input (station/csvread.h). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "station/csvread.h"

static struct csvread_record rec;

Test(csvread, reads_quoted_cells_with_commas_quotes_and_line_ends)
{
	const char *t = "a,\"b,\"\"c\"\"\r\nd\",,e\r\nx\n";
	size_t pos = 0, len = strlen(t);
	cr_assert_eq(csvread_next(t, len, &pos, &rec), CSVREAD_OK);
	cr_assert_eq(rec.count, 4);
	cr_assert_str_eq(rec.cell[0], "a");
	cr_assert_str_eq(rec.cell[1], "b,\"c\"\r\nd");
	cr_assert_str_eq(rec.cell[2], "");
	cr_assert_str_eq(rec.cell[3], "e");
	cr_assert_eq(csvread_next(t, len, &pos, &rec), CSVREAD_OK);
	cr_assert_str_eq(rec.cell[0], "x");
	cr_assert_eq(csvread_next(t, len, &pos, &rec), CSVREAD_END);
}

Test(csvread, a_last_row_without_its_line_end_is_torn)
{
	const char *rows[] = {"a,b", "a,\"b", "a,\"b\"", "a,\"b\"x"};
	for (size_t i = 0; i < 4; i++) {
		size_t pos = 0;
		cr_assert_eq(csvread_next(rows[i], strlen(rows[i]), &pos, &rec), CSVREAD_TORN, "%s",
			     rows[i]);
		cr_assert_eq(pos, strlen(rows[i]));
	}
}

Test(csvread, skips_a_bad_line_and_reads_the_next)
{
	const char *t = "a\"b,c\r\n\"q\"x,y\r\nok,1\r\n";
	size_t pos = 0, len = strlen(t);
	cr_assert_eq(csvread_next(t, len, &pos, &rec), CSVREAD_BAD);
	cr_assert_eq(csvread_next(t, len, &pos, &rec), CSVREAD_BAD);
	cr_assert_eq(csvread_next(t, len, &pos, &rec), CSVREAD_OK);
	cr_assert_str_eq(rec.cell[0], "ok");
}

Test(csvread, bounds_cells_and_record_size)
{
	size_t n = 3 * CSVREAD_FIELDS_MAX;
	char *t = malloc(n + 2);
	memset(t, ',', n);
	t[n] = '\n';
	t[n + 1] = '\0';
	size_t pos = 0;
	cr_assert_eq(csvread_next(t, n + 1, &pos, &rec), CSVREAD_BAD);
	cr_assert_eq(pos, n + 1);
	free(t);
	n = CSVREAD_RECORD_MAX + 10;
	t = malloc(n + 1);
	memset(t, 'a', n);
	t[n] = '\n';
	pos = 0;
	cr_assert_eq(csvread_next(t, n + 1, &pos, &rec), CSVREAD_BAD);
	free(t);
}
