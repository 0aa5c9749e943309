/* FICR contents of the simulated nRF91 (nrf91-registers.md 5). */
#include "board_impl.h"

/* ASCII strings as the little-endian words pyOCD/OpenOCD decode. */
#define ASCII4(a, b, c, d)                                                                         \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

uint32_t ficr_read(const struct simboard *b, uint32_t off)
{
	bool x1 = board_is_91x1(b);
	/* Quirk no_sipinfo: SIPINFO appeared with nRF9160 PS v2.1 (OpenOCD
	 * nrf5.c); older parts read it as unwritten. */
	if (b->cfg.quirks.no_sipinfo && off >= FICR_SIPINFO_PARTNO && off <= FICR_SIPINFO_VARIANT)
		return 0xFFFFFFFFu;
	switch (off) {
	case FICR_SIPINFO_PARTNO:
		switch (b->st.part) {
		case SIMBOARD_NRF9161:
			return 0x9161u;
		case SIMBOARD_NRF9151:
			return 0x9151u;
		case SIMBOARD_NRF9160:
			break;
		}
		return 0x9160u;
	case FICR_SIPINFO_HWREVISION:
		/* "B1A" on nRF9160; the nRF91x1 string is UNCONFIRMED. */
		return x1 ? ASCII4('A', '0', 'A', 0) : ASCII4('B', '1', 'A', 0);
	case FICR_SIPINFO_VARIANT:
		return x1 ? ASCII4('L', 'A', 'C', 'A') : ASCII4('S', 'I', 'C', 'A');
	case FICR_INFO_DEVICEID0:
		return (uint32_t)b->st.device_id;
	case FICR_INFO_DEVICEID1:
		return (uint32_t)(b->st.device_id >> 32);
	case FICR_INFO_PART:
		/* 0x9120 is the die inside the nRF91x1 SiPs (nrf9120.h); 0x9160 on
		 * nRF9160, which OpenOCD nrf5.c falls back to when SIPINFO is
		 * missing (nrf9160.h marks the word reserved: UNCONFIRMED). */
		return x1 ? 0x9120u : 0x9160u;
	case FICR_INFO_VARIANT:
		return x1 ? ASCII4('0', 'A', 'A', 'A') : 0xFFFFFFFFu; /* "AAA0", UNCONFIRMED */
	case FICR_INFO_PACKAGE:
		return x1 ? 0x2002u : 0xFFFFFFFFu; /* CECF, UNCONFIRMED */
	case FICR_INFO_RAM:
		return SIM_RAM_SIZE / 1024u;
	case FICR_INFO_FLASH:
		return SIM_FLASH_SIZE / 1024u;
	case FICR_INFO_CODEPAGESIZE:
		return SIM_PAGE_SIZE;
	case FICR_INFO_CODESIZE:
		return SIM_FLASH_PAGES;
	case FICR_INFO_DEVICETYPE:
		return 0; /* die, not FPGA */
	default:
		return 0xFFFFFFFFu;
	}
}
