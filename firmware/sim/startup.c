/* Vector table and reset handler of the bare-metal simulator firmware
 * (Armv8-M: word 0 = initial MSP, word 1 = reset vector; faults spin in WFI,
 * so a crash shows up as "no result" on the host, which times out). */
#include <stdint.h>

#include "sim_fw.h"

extern uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

void sim_reset_handler(void);

static void sim_fault_handler(void)
{
	for (;;)
		__asm volatile("wfi");
}

/* The session's idle wake-up (main.c): the exception itself is the point,
 * the WFI it ends returns to the poll. */
static void sim_tick_handler(void)
{
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
	(void (*)(void))__stack_top,
	sim_reset_handler,
	sim_fault_handler, /* NMI */
	sim_fault_handler, /* HardFault */
	sim_fault_handler, /* MemManage */
	sim_fault_handler, /* BusFault */
	sim_fault_handler, /* UsageFault */
	sim_fault_handler, /* SecureFault */
	0,
	0,
	0,
	sim_fault_handler, /* SVCall */
	sim_fault_handler, /* DebugMonitor */
	0,
	sim_fault_handler, /* PendSV */
	sim_tick_handler,  /* SysTick */
};

void sim_reset_handler(void)
{
	/* C runtime set-up by hand (no crt0): .data from flash, .bss zeroed;
	 * .noinit is left as it is (link.ld). */
	/* Sizes from the symbols' addresses: comparing pointers to distinct
	 * objects would be undefined in C. */
	uintptr_t data_words = ((uintptr_t)__data_end - (uintptr_t)__data_start) / 4u;
	uintptr_t bss_words = ((uintptr_t)__bss_end - (uintptr_t)__bss_start) / 4u;
	for (uintptr_t i = 0; i < data_words; i++)
		__data_start[i] = __data_load[i];
	for (uintptr_t i = 0; i < bss_words; i++)
		__bss_start[i] = 0;
	/* Then SystemInit, as the MDK's gcc_startup_nrf91*.S orders it (after
	 * .data and .bss, before _start); it may reset the chip (system.c). */
	sim_system_init();
	sim_main();
	for (;;)
		__asm volatile("wfi");
}
