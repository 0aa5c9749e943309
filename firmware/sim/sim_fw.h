/* Simulator provisioning firmware: the parts shared by its files. */
#ifndef NRFCRED_SIM_FW_H
#define NRFCRED_SIM_FW_H

void sim_main(void);
/* The MDK SystemInit steps a debugger can observe (system.c); on the first
 * boot after an erase it programs UICR and resets the chip. */
void sim_system_init(void);

#endif
