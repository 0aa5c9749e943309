/*
 * No CPU emulation in this build: the core never executes an instruction.
 * Running simply consumes no instructions; the register file only holds what
 * reset and the debugger put there. The Unicorn-based implementation
 * (cpu_unicorn.c, a later issue) replaces this file.
 */
#include "cpu.h"

#include <stdlib.h>
#include <string.h>

struct simcpu {
	struct simcpu_regs regs;
};

struct simcpu *simcpu_create(struct simboard *board)
{
	(void)board;
	return calloc(1, sizeof(struct simcpu));
}

void simcpu_destroy(struct simcpu *cpu)
{
	free(cpu);
}

const char *simcpu_name(void)
{
	return "none";
}

void simcpu_reset(struct simcpu *cpu, uint32_t sp, uint32_t pc)
{
	memset(&cpu->regs, 0, sizeof(cpu->regs));
	cpu->regs.sp = sp;
	cpu->regs.msp = sp;
	cpu->regs.msp_s = sp;
	cpu->regs.pc = pc & ~1u;
	cpu->regs.xpsr = 0x01000000u; /* Thumb state */
	cpu->regs.lr = 0xFFFFFFFFu;
}

bool simcpu_spinning(const struct simcpu *cpu)
{
	(void)cpu;
	return false;
}

uint64_t simcpu_run(struct simcpu *cpu, uint64_t max_instructions, enum simcpu_stop *why)
{
	(void)cpu;
	(void)max_instructions;
	*why = SIMCPU_STOP_BUDGET;
	return 0;
}

void simcpu_watch_store(struct simcpu *cpu, uint32_t addr, uint32_t words)
{
	(void)cpu;
	(void)addr; /* nothing executes, nothing stores */
	(void)words;
}

void simcpu_get_regs(struct simcpu *cpu, struct simcpu_regs *regs)
{
	*regs = cpu->regs;
}

void simcpu_set_regs(struct simcpu *cpu, const struct simcpu_regs *regs)
{
	cpu->regs = *regs;
}
