/* Simulator provisioning firmware: the parts shared by its files. */
#ifndef NRFCRED_SIM_FW_H
#define NRFCRED_SIM_FW_H

void sim_main(void);

#endif
