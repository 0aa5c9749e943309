/*
 * The simulator's modem mailbox: an MMIO block through which the bare-metal
 * simulator firmware (firmware/sim) sends AT commands to the simulated modem
 * (tools/sim/modem.c). It stands in for the real nRF91 modem IPC, which the
 * simulator does not model. Shared by both sides; no real nRF91 firmware
 * touches it.
 *
 * Base 0x5FFF0000: inside the secure peripheral range but above every real
 * nRF91 peripheral (they sit at 0x5000_0000-0x5008_FFFF, GPIO at 0x5084_2500;
 * nrf91-registers.md §5/§6), so it cannot collide with a register the board
 * models.
 *
 * Protocol (all registers 32-bit, word access):
 *   1. Firmware waits until STATUS.BUSY = 0.
 *   2. It writes the command text (no CR/LF, no NUL needed) into CMD[],
 *      its length into CMD_LEN, and 1 into DOORBELL.
 *   3. STATUS.BUSY = 1 until the modem has answered (modeled latency; a hung
 *      modem never answers). Firmware polls STATUS, optionally with WFE in
 *      between (the simulator skips modeled time while it waits).
 *   4. Then STATUS.DONE = 1, RESP_LEN holds the response length and RESP[]
 *      the text: information lines, then the final result line
 *      ("OK", "ERROR", "+CME ERROR: <n>"), lines ended by "\r\n", exactly
 *      like the modem's AT interface. A response longer than the RESP window
 *      is truncated and sets STATUS.OVERFLOW.
 * Writing DOORBELL while BUSY, or with CMD_LEN > SIM_MBOX_CMD_SIZE, sets
 * STATUS.ERROR and answers nothing.
 */
#ifndef NRFCRED_SIM_MAILBOX_H
#define NRFCRED_SIM_MAILBOX_H

#define SIM_MBOX_BASE 0x5FFF0000u
#define SIM_MBOX_SIZE 0x00004000u

#define SIM_MBOX_ID	  0x000u /* RO: SIM_MBOX_ID_VALUE */
#define SIM_MBOX_STATUS	  0x004u /* RO: SIM_MBOX_ST_* */
#define SIM_MBOX_CMD_LEN  0x008u /* RW: command length in bytes */
#define SIM_MBOX_DOORBELL 0x00Cu /* WO: 1 = execute the command */
#define SIM_MBOX_RESP_LEN 0x010u /* RO: response length in bytes */

#define SIM_MBOX_CMD	   0x1000u /* WO: command text, 8 KB */
#define SIM_MBOX_CMD_SIZE  0x2000u
#define SIM_MBOX_RESP	   0x3000u /* RO: response text, 4 KB */
#define SIM_MBOX_RESP_SIZE 0x1000u

#define SIM_MBOX_ID_VALUE 0x584D4253u /* "SBMX" little-endian: S B M X */

#define SIM_MBOX_ST_BUSY     0x1u
#define SIM_MBOX_ST_DONE     0x2u
#define SIM_MBOX_ST_OVERFLOW 0x4u
#define SIM_MBOX_ST_ERROR    0x8u

#endif
