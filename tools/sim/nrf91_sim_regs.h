/*
 * Register constants of the simulated nRF91 (board side). Facts and their
 * sources are in docs/hardware/nrf91-registers.md (section numbers given below);
 * values marked UNCONFIRMED there are simulator choices, kept here as named
 * constants so they are easy to change.
 */
#ifndef NRFSIM_NRF91_SIM_REGS_H
#define NRFSIM_NRF91_SIM_REGS_H

/* ---- DP (ADIv5.2 DPv2), nrf91-registers.md 1.3/1.4 ---- */
#define SIM_DPIDR 0x6BA02477u
/* TARGETID: TPARTNO 0x0090 [27:12], TDESIGNER 0x144 [11:1], bit0 = 1. */
#define SIM_TARGETID_LOW 0x0090289u
/* TREVISION [31:28]: pyOCD treats <= 2 as nRF9160 ("old" APPROTECT) and > 2
 * as nRF91x1. The exact silicon values are UNCONFIRMED (nrf91-registers.md 10.2). */
#define SIM_TARGETID_REV_9160 2u
#define SIM_TARGETID_REV_91X1 3u
/* DLPIDR: TINSTANCE 0 (fixed, OOCD-91), PROTVSN 1. */
#define SIM_DLPIDR 0x00000001u

#define DP_ABORT_DAPABORT   (1u << 0)
#define DP_ABORT_STKCMPCLR  (1u << 1)
#define DP_ABORT_STKERRCLR  (1u << 2)
#define DP_ABORT_WDERRCLR   (1u << 3)
#define DP_ABORT_ORUNERRCLR (1u << 4)

#define DP_CTRL_ORUNDETECT   (1u << 0)
#define DP_CTRL_STICKYORUN   (1u << 1)
#define DP_CTRL_TRNMODE_MASK (3u << 2)
#define DP_CTRL_STICKYCMP    (1u << 4)
#define DP_CTRL_STICKYERR    (1u << 5)
#define DP_CTRL_READOK	     (1u << 6)
#define DP_CTRL_WDATAERR     (1u << 7)
#define DP_CTRL_MASKLANE     (0xFu << 8)
#define DP_CTRL_TRNCNT	     (0xFFFu << 12)
#define DP_CTRL_CDBGRSTREQ   (1u << 26)
#define DP_CTRL_CDBGRSTACK   (1u << 27)
#define DP_CTRL_CDBGPWRUPREQ (1u << 28)
#define DP_CTRL_CDBGPWRUPACK (1u << 29)
#define DP_CTRL_CSYSPWRUPREQ (1u << 30)
#define DP_CTRL_CSYSPWRUPACK (1u << 31)

/* ---- APs, nrf91-registers.md 3 ---- */
#define SIM_AP_AHB  0u
#define SIM_AP_APB  3u
#define SIM_AP_CTRL 4u
/* AHB-AP IDR: UNCONFIRMED; the CoreSight SoC-400 AHB-AP value seen on other
 * parts with DPIDR 0x6BA02477. */
#define SIM_AHBAP_IDR 0x84770001u
/* APB-AP IDR: UNCONFIRMED; the CoreSight SoC-400 APB-AP value (class MEM-AP,
 * type APB2/3). Only the IDR is modeled for AP3. */
#define SIM_APBAP_IDR  0x44770002u
#define SIM_CTRLAP_IDR 0x12880000u
/* AHB-AP BASE: the Cortex-M33 ROM table at 0xE00FF000 (format bit 1, present bit 0). */
#define SIM_AHBAP_BASE 0xE00FF003u
/* CSW reset value: UNCONFIRMED (nrf91-registers.md 10.4). 32-bit, no increment,
 * HPROT1 (privileged) + HPROT0 (data). */
#define SIM_AHBAP_CSW_RESET 0x03000002u

#define MEMAP_CSW  0x00u
#define MEMAP_TAR  0x04u
#define MEMAP_DRW  0x0Cu
#define MEMAP_BD0  0x10u
#define MEMAP_CFG  0xF4u
#define MEMAP_BASE 0xF8u
#define AP_IDR	   0xFCu

#define CSW_SIZE_MASK	   0x7u
#define CSW_ADDRINC_MASK   (3u << 4)
#define CSW_ADDRINC_OFF	   (0u << 4)
#define CSW_ADDRINC_SINGLE (1u << 4)
#define CSW_DEVICEEN	   (1u << 6)
#define CSW_TRINPROG	   (1u << 7)
#define CSW_MODE_MASK	   (0xFu << 8)
#define CSW_SPIDEN	   (1u << 23)
#define CSW_PROT_MASK	   (0x7Fu << 24)
#define CSW_HNONSEC	   (1u << 30)
#define CSW_DBGSWENABLE	   (1u << 31)

/* ---- CTRL-AP (AP 4), nrf91-registers.md 4.1 ---- */
#define CTRLAP_RESET		    0x000u
#define CTRLAP_ERASEALL		    0x004u
#define CTRLAP_ERASEALLSTATUS	    0x008u
#define CTRLAP_APPROTECT_STATUS	    0x00Cu
#define CTRLAP_ERASEPROTECT_STATUS  0x018u
#define CTRLAP_ERASEPROTECT_DISABLE 0x01Cu
#define CTRLAP_MAILBOX_TXDATA	    0x020u
#define CTRLAP_MAILBOX_TXSTATUS	    0x024u
#define CTRLAP_MAILBOX_RXDATA	    0x028u
#define CTRLAP_MAILBOX_RXSTATUS	    0x02Cu

/* CPU-side peer CTRLAPPERI_S (nrf91-registers.md 4.1). */
#define CTRLAPPERI_S_BASE		0x50006000u
#define CTRLAPPERI_NS_BASE		0x40006000u
#define CTRLAPPERI_RXDATA		0x400u
#define CTRLAPPERI_RXSTATUS		0x404u
#define CTRLAPPERI_TXDATA		0x480u
#define CTRLAPPERI_TXSTATUS		0x484u
#define CTRLAPPERI_ERASEPROTECT_LOCK	0x500u
#define CTRLAPPERI_ERASEPROTECT_DISABLE 0x504u

/* ---- Memory map, nrf91-registers.md 5 ---- */
#define SIM_FLASH_BASE	0x00000000u
#define SIM_FLASH_SIZE	0x00100000u /* 1 MB */
#define SIM_PAGE_SIZE	4096u
#define SIM_FLASH_PAGES (SIM_FLASH_SIZE / SIM_PAGE_SIZE)
#define SIM_RAM_BASE	0x20000000u
#define SIM_RAM_SIZE	0x00040000u /* 256 KB */
#define SIM_FICR_BASE	0x00FF0000u
#define SIM_FICR_SIZE	0x1000u
#define SIM_UICR_BASE	0x00FF8000u
#define SIM_UICR_SIZE	0x1000u
#define SIM_PPB_BASE	0xE0000000u
#define SIM_PPB_SIZE	0x00100000u

#define FICR_SIPINFO_PARTNO	0x140u
#define FICR_SIPINFO_HWREVISION 0x144u
#define FICR_SIPINFO_VARIANT	0x148u
#define FICR_INFO_DEVICEID0	0x204u
#define FICR_INFO_DEVICEID1	0x208u
#define FICR_INFO_PART		0x20Cu
#define FICR_INFO_VARIANT	0x210u
#define FICR_INFO_PACKAGE	0x214u
#define FICR_INFO_RAM		0x218u
#define FICR_INFO_FLASH		0x21Cu
#define FICR_INFO_CODEPAGESIZE	0x220u
#define FICR_INFO_CODESIZE	0x224u
#define FICR_INFO_DEVICETYPE	0x228u

#define UICR_APPROTECT	     0x000u
#define UICR_SECUREAPPROTECT 0x02Cu
#define UICR_ERASEPROTECT    0x030u
#define UICR_OTP	     0x108u

#define UICR_APPROTECT_UNPROTECTED_9160 0xFFFFFFFFu
#define UICR_APPROTECT_HWUNPROTECTED	0x50FA50FAu
#define UICR_APPROTECT_PROTECTED	0x00000000u

/* ---- NVMC, nrf91-registers.md 6 ---- */
#define NVMC_S_BASE		 0x50039000u
#define NVMC_NS_BASE		 0x40039000u
#define NVMC_READY		 0x400u
#define NVMC_READYNEXT		 0x408u
#define NVMC_CONFIG		 0x504u
#define NVMC_ERASEALL		 0x50Cu
#define NVMC_ERASEPAGEPARTIALCFG 0x51Cu
#define NVMC_ICACHECNF		 0x540u
#define NVMC_CONFIGNS		 0x584u
#define NVMC_WRITEUICRNS	 0x588u
#define NVMC_CONFIG_REN		 0u
#define NVMC_CONFIG_WEN		 1u
#define NVMC_CONFIG_EEN		 2u
#define NVMC_CONFIG_PEEN	 4u
#define NVMC_PARTIALCFG_RESET	 0x0Au

/* APPROTECT peripheral (nRF91x1 only; nrfx nrf9120.h NRF_APPROTECT_Type,
 * same base as the NVMC): SECUREAPPROTECT at +0xE00, APPROTECT at +0xE10.
 * Each is ONE register with two views: DISABLE [7:0] (SwUnprotected 0x5A)
 * and FORCEPROTECT bit 9 (Force, write-one-to-set, until reset). Reset
 * value 0x00000001 (nrf9120.svd). nRF9160 has no such peripheral. */
#define APPROTECT_SW_SECURE_REG	  0xE00u
#define APPROTECT_SW_REG	  0xE10u
#define APPROTECT_SW_DISABLE_MASK 0xFFu
#define APPROTECT_SW_DISABLE_KEY  0x5Au
#define APPROTECT_SW_FORCE	  (1u << 9)
#define APPROTECT_SW_RESET	  0x00000001u

/* POWER (nrfx nrf9160.h / nrf9120.h): TASKS_CONSTLAT 0x78, TASKS_LOWPWR 0x7C. */
#define POWER_S_BASE	     0x50005000u
#define POWER_NS_BASE	     0x40005000u
#define POWER_TASKS_CONSTLAT 0x078u
#define POWER_TASKS_LOWPWR   0x07Cu

/* ---- Cortex-M33 debug, nrf91-registers.md 7 ---- */
#define SCS_CPUID 0xE000ED00u
#define SCS_AIRCR 0xE000ED0Cu
#define SCS_HFSR  0xE000ED2Cu
#define SCS_DFSR  0xE000ED30u
#define HFSR_FORCED (1u << 30)
#define SCS_DHCSR 0xE000EDF0u
#define SCS_DCRSR 0xE000EDF4u
#define SCS_DCRDR 0xE000EDF8u
#define SCS_DEMCR 0xE000EDFCu
#define SCS_DSCSR 0xE000EE08u
/* CPUID: Cortex-M33 r0p4, from the MDK's __CM33_REV 0x0004 (nrfx nrf9160.h,
 * nrf9120.h); the silicon value itself was not seen in a source. */
#define SIM_CPUID 0x410FD214u

#define DHCSR_KEY	   0xA05F0000u
#define DHCSR_C_DEBUGEN	   (1u << 0)
#define DHCSR_C_HALT	   (1u << 1)
#define DHCSR_C_STEP	   (1u << 2)
#define DHCSR_C_MASKINTS   (1u << 3)
#define DHCSR_S_REGRDY	   (1u << 16)
#define DHCSR_S_HALT	   (1u << 17)
#define DHCSR_S_SLEEP	   (1u << 18)
#define DHCSR_S_LOCKUP	   (1u << 19)
#define DHCSR_S_SDE	   (1u << 20)
#define DHCSR_S_RETIRE_ST  (1u << 24)
#define DHCSR_S_RESET_ST   (1u << 25)
#define DCRSR_REGWNR	   (1u << 16)
#define DEMCR_VC_CORERESET (1u << 0)
#define DEMCR_VC_HARDERR   (1u << 10)
#define AIRCR_VECTKEY	   0x05FA0000u
#define AIRCR_VECTKEYSTAT  0xFA050000u
#define AIRCR_SYSRESETREQ  (1u << 2)
#define DFSR_HALTED	   (1u << 0)
#define DFSR_BKPT	   (1u << 1)
#define DFSR_VCATCH	   (1u << 3)

#endif
