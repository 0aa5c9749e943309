/*
 * What the nRF91 MDK's SystemInit() does in a secure image (nrfx
 * bsp/stable/mdk/system_nrf91.c, system_nrf91_approtect.h, nrf91_erratas.h,
 * nrfx 4.2.1), done by the simulator firmware so the simulated board sees
 * the same register writes an NCS image makes after reset. Only the steps
 * that change what a debugger or the flash sees are kept:
 *
 *   1. UICR HFXOSRC/HFXOCNT fix-up, then a system reset (first boot after
 *      an erase);
 *   2. nRF91x1 only: the erratum 36 workaround (as NCS enables it), then
 *      APPROTECT and SECUREAPPROTECT loaded from UICR into the APPROTECT
 *      peripheral's software branch.
 *
 * Left out, because they touch nothing the simulator or host can observe:
 * SAU ALLNS, the errata 6/14/15/20/31 workarounds (each gated on undocumented
 * FICR words), the FICR trim copy (TRIMCNF), the FICR_NS RAM copy, trace pin
 * set-up (ENABLE_TRACE) and SCB->NSACR.
 *
 * The image is built once for every part, while an MDK image is built for
 * NRF9160_XXAA or NRF9120_XXAA; the part is read from FICR SIPINFO.PARTNO
 * (nrf9160.h / nrf9160_bitfields.h: 0x9160, and 0x9161, 0x9151, 0x9131 for
 * the SiPs on the nRF9120 die) and the firmware does what the matching MDK
 * build does.
 */
#include <stdint.h>

#include "sim_fw.h"

#define FICR_SIPINFO_PARTNO 0x00FF0140u

/* UICR_S (nrf9160.h, nrf9120.h: same offsets on both dies). */
#define UICR_APPROTECT	     0x00FF8000u
#define UICR_HFXOSRC	     0x00FF801Cu
#define UICR_HFXOCNT	     0x00FF8020u
#define UICR_SECUREAPPROTECT 0x00FF802Cu
/* UICR.HFXOSRC bit 0: 0 = TCXO, 1 = XTAL; HFXOCNT bits [7:0] (debounce). */
#define UICR_HFXOSRC_MSK  0x1u
#define UICR_HFXOSRC_TCXO 0x0u
#define UICR_HFXOCNT_MSK  0xFFu
#define UICR_HFXOCNT_MDK  0x20u /* the value SystemInit writes */
/* UICR.APPROTECT / SECUREAPPROTECT enum HwUnprotected (nrf9120_bitfields.h). */
#define UICR_HWUNPROTECTED 0x50FA50FAu

/* NVMC_S (base 0x50039000). */
#define NVMC_READY	0x50039400u
#define NVMC_CONFIG	0x50039504u
#define NVMC_CONFIG_REN 0u
#define NVMC_CONFIG_WEN 1u

/* NRF_APPROTECT_S shares the NVMC/KMU base 0x50039000 (nrf9120.h
 * NRF_APPROTECT_Type): SECUREAPPROTECT at +0xE00, APPROTECT at +0xE10, each
 * one register that is DISABLE and FORCEPROTECT at once (a union). DISABLE
 * bits [7:0], SwUnprotected = 0x5A; FORCEPROTECT is bit 9. */
#define APPROTECT_SECUREAPPROTECT 0x50039E00u
#define APPROTECT_APPROTECT	  0x50039E10u
#define APPROTECT_SWUNPROTECTED	  0x5Au

/* NRF_POWER_S 0x50005000, TASKS_CONSTLAT at +0x078 (nrf9120.h). */
#define POWER_TASKS_CONSTLAT 0x50005078u

/* Cortex-M33 SCB->AIRCR: VECTKEY 0x05FA, SYSRESETREQ bit 2, PRIGROUP [10:8]
 * kept (CMSIS __NVIC_SystemReset). */
#define SCB_AIRCR	       0xE000ED0Cu
#define SCB_AIRCR_VECTKEY      0x05FA0000u
#define SCB_AIRCR_PRIGROUP_MSK 0x00000700u
#define SCB_AIRCR_SYSRESETREQ  0x00000004u

static inline uint32_t rd(uint32_t addr)
{
	return *(volatile const uint32_t *)(uintptr_t)addr;
}

static inline void wr(uint32_t addr, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)addr = value;
}

static inline void dsb(void)
{
	__asm volatile("dsb 0xF" ::: "memory");
}

static void nvmc_wait_ready(void)
{
	while ((rd(NVMC_READY) & 1u) == 0) {
	}
}

/* uicr_HFXOSRC_erased(): "erased" means anything but TCXO in bit 0, so an
 * erased word (0xFFFFFFFF) and a deliberate XTAL setting both count. */
static int hfxosrc_unset(void)
{
	uint32_t v = rd(UICR_HFXOSRC);
	dsb();
	return (v & UICR_HFXOSRC_MSK) != UICR_HFXOSRC_TCXO;
}

/* uicr_HFXOCNT_erased(): the whole word erased. */
static int hfxocnt_unset(void)
{
	uint32_t v = rd(UICR_HFXOCNT);
	dsb();
	return v == 0xFFFFFFFFu;
}

__attribute__((noreturn)) static void system_reset(void)
{
	/* CMSIS __NVIC_SystemReset(): DSB, AIRCR = VECTKEY | PRIGROUP |
	 * SYSRESETREQ (0x05FA0004 with PRIGROUP 0), DSB, wait for the reset. */
	dsb();
	wr(SCB_AIRCR,
	   SCB_AIRCR_VECTKEY | (rd(SCB_AIRCR) & SCB_AIRCR_PRIGROUP_MSK) | SCB_AIRCR_SYSRESETREQ);
	dsb();
	for (;;)
		__asm volatile("nop");
}

/*
 * system_nrf91.c, SystemInit(), block `#if !defined(NRF_SKIP_UICR_HFXO_WORKAROUND)`
 * (both NRF9160_XXAA and NRF9120_XXAA builds): when UICR.HFXOSRC is not TCXO
 * or UICR.HFXOCNT is erased, write HFXOSRC = old & ~1 (TCXO) and HFXOCNT =
 * (old & ~0xFF) | 0x20 through the NVMC (wait READY, CONFIG = Wen, each word
 * followed by DSB and a READY wait, CONFIG = Ren), then reset "to apply the
 * clock select update". On a freshly erased chip this first boot never gets
 * past here: the firmware proper runs after the reset.
 *
 * Interrupts are masked around the UICR accesses as the MDK does for nRF91
 * erratum 7 (it does so only when PRIMASK was clear; this firmware never
 * sets it before here).
 */
static void uicr_hfxo_fixup(void)
{
	if (!hfxosrc_unset() && !hfxocnt_unset())
		return;
	dsb();
	nvmc_wait_ready();
	wr(NVMC_CONFIG, NVMC_CONFIG_WEN);
	nvmc_wait_ready();
	__asm volatile("cpsid i" ::: "memory");
	if (hfxosrc_unset()) {
		wr(UICR_HFXOSRC, (rd(UICR_HFXOSRC) & ~UICR_HFXOSRC_MSK) | UICR_HFXOSRC_TCXO);
		dsb();
		nvmc_wait_ready();
	}
	if (hfxocnt_unset()) {
		wr(UICR_HFXOCNT, (rd(UICR_HFXOCNT) & ~UICR_HFXOCNT_MSK) | UICR_HFXOCNT_MDK);
		dsb();
		nvmc_wait_ready();
	}
	__asm volatile("cpsie i" ::: "memory");
	wr(NVMC_CONFIG, NVMC_CONFIG_REN);
	nvmc_wait_ready();
	system_reset();
}

/*
 * system_nrf91_approtect.h, nrf91_handle_approtect(), default branch (no
 * ENABLE_APPROTECT / ENABLE_APPROTECT_USER_HANDLING, i.e. NCS without
 * CONFIG_NRF_APPROTECT_LOCK / _USER_HANDLING), run last in SystemInit.
 *
 * The MDK gates it on nrf91_errata_36(), which is constant false in an
 * NRF9160_XXAA build (nRF9160: no APPROTECT peripheral, SystemInit never
 * touches it) and, in an NRF9120_XXAA build, true when the undocumented
 * FICR words +0x130 / +0x134 read 0x09 / not 1 or 2, which the errata
 * tables pair with nRF91x1 silicon (inferred). This firmware takes the part
 * number for that test; an unknown PARTNO does nothing (harsher reading:
 * the debug port then stays locked on a part that locks by default).
 *
 * Erratum 36 ("Debug and Trace: Access port gets locked in WFI and WFE",
 * present on the nRF9120 die only; workaround off by default in the MDK):
 * NRF91_ERRATA_36_ENABLE_WORKAROUND, which NCS defines from
 * CONFIG_NRF91_ANOMALY_36_WORKAROUND (mdk_config.h and the TF-M build's
 * compile definitions; the NCS 3.5 migration notes list it as a TF-M build
 * setting), makes it write NRF_POWER_S->TASKS_CONSTLAT = 1 (0x50005078)
 * before the APPROTECT writes. This firmware sleeps in WFI when it is done,
 * so without it a host could lose the access port while reading the result.
 *
 * Then APPROTECT.DISABLE = SwUnprotected (0x5A) exactly when UICR.APPROTECT
 * is HwUnprotected (0x50FA50FA), else 0; the same for SECUREAPPROTECT. Any
 * other UICR value, erased included, leaves the software branch closed.
 */
static void handle_approtect(uint32_t partno)
{
	if (partno != 0x9161u && partno != 0x9151u && partno != 0x9131u)
		return;
	wr(POWER_TASKS_CONSTLAT, 1u);
	wr(APPROTECT_APPROTECT,
	   rd(UICR_APPROTECT) == UICR_HWUNPROTECTED ? APPROTECT_SWUNPROTECTED : 0u);
	wr(APPROTECT_SECUREAPPROTECT,
	   rd(UICR_SECUREAPPROTECT) == UICR_HWUNPROTECTED ? APPROTECT_SWUNPROTECTED : 0u);
}

void sim_system_init(void)
{
	uint32_t partno = rd(FICR_SIPINFO_PARTNO);
	uicr_hfxo_fixup();
	handle_approtect(partno);
}
