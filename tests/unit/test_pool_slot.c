/* station/pool_slot.c: what becomes of a board's pool bundle. */
#include <criterion/criterion.h>

#include "station/pool_slot.h"

Test(pool_slot, a_bundle_whose_table_never_went_out_is_returned)
{
	cr_assert_eq(slot_pool_fate(false, false, false, SLOT_AWAIT_RESULT), SLOT_POOL_RETURN);
	cr_assert_eq(slot_pool_fate(false, false, false, SLOT_CONNECT), SLOT_POOL_RETURN);
}

Test(pool_slot, a_confirmed_bundle_is_bound_even_when_the_app_fails_later)
{
	cr_assert_eq(slot_pool_fate(true, true, true, SLOT_IDLE), SLOT_POOL_BIND);
	cr_assert_eq(slot_pool_fate(true, true, false, SLOT_PROGRAM_APP), SLOT_POOL_BIND);
	cr_assert_eq(slot_pool_fate(true, true, false, SLOT_DONE), SLOT_POOL_BIND);
}

Test(pool_slot, a_write_attempted_and_not_confirmed_burns_the_bundle)
{
	cr_assert_eq(slot_pool_fate(true, false, false, SLOT_AWAIT_RESULT), SLOT_POOL_BURN);
	cr_assert_eq(slot_pool_fate(true, true, false, SLOT_CHECK), SLOT_POOL_BURN);
}
