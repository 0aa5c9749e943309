/*
 * nRF91 (nRF9160, nRF91x1) debug-visible registers, from
 * docs/hardware/nrf91-registers.md (sections in brackets), which cites the
 * nrfx MDK headers/SVD, the product specification and OpenOCD/pyOCD/probe-rs.
 */
#ifndef NRFCRED_TARGET_NRF91_REGS_H
#define NRFCRED_TARGET_NRF91_REGS_H

/* DP identity [§1.4]: DPIDR 0x6BA02477: DESIGNER 0x23B (Arm) in bits 11:1. */
#define NRF91_DPIDR_DESIGNER_MASK 0x00000FFFu
#define NRF91_DPIDR_DESIGNER_ARM  0x00000477u

/* Access ports [§3]. */
#define NRF91_AP_AHB  0u /* application Cortex-M33 AHB-AP (MEM-AP) */
#define NRF91_AP_CTRL 4u /* Nordic CTRL-AP */

/* CTRL-AP registers [§4.1]. */
#define CTRLAP_RESET		   0x000u
#define CTRLAP_ERASEALL		   0x004u
#define CTRLAP_ERASEALLSTATUS	   0x008u /* 0 ready, 1 busy */
#define CTRLAP_APPROTECT_STATUS	   0x00Cu /* bit0 APPROTECT, bit1 SECUREAPPROTECT; 1 = open */
#define CTRLAP_ERASEPROTECT_STATUS 0x018u /* bit0: 0 = erase protection enabled */
#define CTRLAP_IDR		   0x0FCu
#define CTRLAP_IDR_NRF91	   0x12880000u
#define CTRLAP_APPROTECT_OPEN	   0x3u
#define CTRLAP_APPROTECT_NS_OPEN   0x1u

/* Memory map [§5]. */
#define NRF91_FLASH_BASE 0x00000000u
#define NRF91_FLASH_PAGE 0x1000u
#define NRF91_RAM_BASE	 0x20000000u
#define NRF91_FICR_BASE	 0x00FF0000u
#define NRF91_UICR_BASE	 0x00FF8000u
#define NRF91_UICR_SIZE	 0x1000u

/* FICR [§5]. */
#define FICR_SIPINFO_PARTNO  (NRF91_FICR_BASE + 0x140u)
#define FICR_SIPINFO_VARIANT (NRF91_FICR_BASE + 0x148u)
#define FICR_INFO_DEVICEID0  (NRF91_FICR_BASE + 0x204u)
#define FICR_INFO_DEVICEID1  (NRF91_FICR_BASE + 0x208u)
#define FICR_INFO_PART	     (NRF91_FICR_BASE + 0x20Cu) /* die: 0x9160 or 0x9120 (§5) */
#define FICR_INFO_RAM	     (NRF91_FICR_BASE + 0x218u) /* KB */
#define FICR_INFO_FLASH	     (NRF91_FICR_BASE + 0x21Cu) /* KB */

/* UICR [§5, §4.3]. */
#define UICR_APPROTECT	     (NRF91_UICR_BASE + 0x000u)
#define UICR_SECUREAPPROTECT (NRF91_UICR_BASE + 0x02Cu)
/* UICR.APPROTECT / SECUREAPPROTECT values (nrfx nrf9120_bitfields.h,
 * nrf9160_bitfields.h): HwUnprotected exists on nRF91x1 only; on nRF9160
 * the erased word 0xFFFFFFFF means Unprotected. Protected is 0 on both. */
#define UICR_APPROTECT_HWUNPROTECTED 0x50FA50FAu
#define UICR_APPROTECT_PROTECTED     0x00000000u

/* NVMC (secure alias) [§6]. */
#define NVMC_BASE      0x50039000u
#define NVMC_READY     (NVMC_BASE + 0x400u) /* 1 = ready */
#define NVMC_READYNEXT (NVMC_BASE + 0x408u) /* 1 = next write accepted */
#define NVMC_CONFIG    (NVMC_BASE + 0x504u)
/* Erases all flash and UICR (not RAM), needs CONFIG = Een; secure only;
 * blocked by UICR.ERASEPROTECT (nrfx nrf9160.svd). */
#define NVMC_ERASEALL  (NVMC_BASE + 0x50Cu)
/* CONFIGNS: the same mode for flash the SPU marks non-secure; secure code
 * (and a secure debugger) sets both (nrfx nrfx_nvmc.c). */
#define NVMC_CONFIGNS	(NVMC_BASE + 0x584u)
#define NVMC_CONFIG_REN 0u
#define NVMC_CONFIG_WEN 1u
#define NVMC_CONFIG_EEN 2u

/* SPU (secure) [§7]: FLASHREGION[n].PERM for the 32 regions of 32 KB; reset
 * value 0x17 = secure, read/write/execute, not locked (nrfx nrf9160.svd). */
#define SPU_FLASHREGION_PERM(n) (0x50003600u + 4u * (n))
#define SPU_FLASHREGIONS	32u
#define SPU_PERM_RESET		0x17u

/* Cortex-M33 debug registers [§7]. */
#define CM_AIRCR	      0xE000ED0Cu
#define CM_DHCSR	      0xE000EDF0u
#define CM_DEMCR	      0xE000EDFCu
#define CM_DCRSR	      0xE000EDF4u
#define CM_DCRDR	      0xE000EDF8u
#define CM_DCRSR_REGWNR	      (1u << 16)
#define CM_DHCSR_C_MASKINTS   (1u << 3)
#define CM_DHCSR_S_REGRDY     (1u << 16)
#define CM_REGSEL_R0	      0u
#define CM_REGSEL_SP	      13u
#define CM_REGSEL_LR	      14u
#define CM_REGSEL_PC	      15u /* DebugReturnAddress */
#define CM_REGSEL_XPSR	      16u
#define CM_XPSR_THUMB	      0x01000000u
#define CM_AIRCR_SYSRESETREQ  0x05FA0004u /* VECTKEY | SYSRESETREQ */
#define CM_DHCSR_KEY	      0xA05F0000u
#define CM_DHCSR_C_DEBUGEN    (1u << 0)
#define CM_DHCSR_C_HALT	      (1u << 1)
#define CM_DHCSR_S_HALT	      (1u << 17)
#define CM_DHCSR_S_RESET_ST   (1u << 25)
#define CM_DHCSR_S_SDE	      (1u << 20) /* secure debug enabled */
#define CM_DEMCR_VC_CORERESET (1u << 0)
/* Fault state of a core that ran host code (ARMv8-M ARM: DHCSR.S_LOCKUP,
 * DEMCR.VC_HARDERR, DFSR.VCATCH; SCB CFSR/HFSR). */
#define CM_DHCSR_S_LOCKUP     (1u << 19)
#define CM_DEMCR_VC_HARDERR   (1u << 10)
#define CM_CFSR		      0xE000ED28u
#define CM_HFSR		      0xE000ED2Cu
#define CM_DFSR		      0xE000ED30u
#define CM_DFSR_VCATCH	      (1u << 3)
#define CM_DFSR_ALL	      0x1Fu /* HALTED BKPT DWTTRAP VCATCH EXTERNAL, write 1 to clear */

/* Timings [§6, §4.2]. tERASEPAGE ~87 ms (errata 2 bus stall); tWRITE is the
 * nRF52840 figure (nRF91 value unconfirmed; a slower part only costs WAIT
 * retries); erase-all durations are unconfirmed, so we poll with margins. */
#define NVMC_TWRITE_US		   41u
#define NVMC_TERASEPAGE_US	   87000u
#define NVMC_ERASEPAGE_TIMEOUT_MS  500u
#define CTRLAP_ERASEALL_TIMEOUT_MS 15000u
/* NVMC ERASEALL: no documented duration (OpenOCD allows 340 ms, sized for
 * nRF52832); generous. */
#define NVMC_ERASEALL_TIMEOUT_MS 3000u
#define NVMC_ERASEALL_FIRST_WAIT_US 150000u

#endif
