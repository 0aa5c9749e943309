/*
 * Helper for unit-sim_usb: a program linked only with libjaylink (never with
 * the fake). It prints the serial of every USB J-Link it finds, one per line.
 * Run under `nrfsim run`, it proves the LD_PRELOAD path serves the real
 * libjaylink in an unmodified program.
 */
#include <libjaylink/libjaylink.h>
#include <stdio.h>

int main(void)
{
	struct jaylink_context *ctx;
	struct jaylink_device **devs;
	size_t count;

	if (jaylink_init(&ctx) != JAYLINK_OK)
		return 2;
	if (jaylink_discovery_scan(ctx, JAYLINK_HIF_USB) != JAYLINK_OK ||
	    jaylink_get_devices(ctx, &devs, &count) != JAYLINK_OK) {
		jaylink_exit(ctx);
		return 3;
	}
	for (size_t i = 0; i < count; i++) {
		uint32_t serial;

		if (jaylink_device_get_serial_number(devs[i], &serial) == JAYLINK_OK)
			printf("%u\n", serial);
	}
	jaylink_free_devices(devs, true);
	jaylink_exit(ctx);
	return 0;
}
