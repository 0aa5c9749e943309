/*
 * The fake libusb-1.0: exactly the 19 functions libjaylink 0.3.1 imports
 * (`nm -D --undefined-only libjaylink.so.0`), with the contract of
 * jlink.md §2. Loaded ahead of the real libusb (LD_PRELOAD, or linked
 * into a test), it presents the scenario's simulated J-Links.
 *
 * State is process-wide on purpose: libusb's ABI gives a preloaded library no
 * other place to keep it. Everything hangs off the one `fakeusb` struct, built
 * once (pthread_once) from the scenario file named by NRFSIM_SCENARIO. Device
 * objects live as long as the process, so the pointers libjaylink compares
 * across scans (find_device()) stay stable and are never freed while
 * referenced. Each probe has its own lock: libjaylink may do I/O on different
 * handles from different threads (§6.7).
 */
#include <errno.h>
#include <libusb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "counters.h"
#include "jlink.h"
#include "scenario.h"
#include "slot.h"

#define JLINK_VID 0x1366
#define EP_IN	  0x81
#define EP_OUT	  0x02

enum { STR_MANUFACTURER = 1, STR_PRODUCT = 2, STR_SERIAL = 3 };

struct libusb_context {
	int unused;
};

struct libusb_device {
	struct fake_probe *probe;
	atomic_int refs;
};

struct libusb_device_handle {
	struct libusb_device *dev;
	bool claimed;
};

struct fake_probe {
	pthread_mutex_t lock;
	struct libusb_device dev;
	const struct scenario_probe *cfg;
	unsigned index;
	struct jlink_sim *sim;
	struct libusb_device_handle *owner; /* handle that claimed the interface */
	bool used;			    /* claimed at least once: write counters */
	atomic_bool unplugged;
	uint64_t transfers; /* bulk transfers that succeeded (fault triggers) */
	uint64_t cpu_ns;    /* thread CPU time spent in bulk transfers (sim_cpu_ns) */
	struct slot slot;   /* the board behind the probe, operator actions */
};

/* CPU time of the calling thread: the simulator's own work inside a call
 * (decoding, the emulated core), which a benchmark reports apart from the
 * host's. A sleep of `timing = real` costs none. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct fakeusb {
	struct scenario scenario;
	unsigned probe_count;
	struct fake_probe *probes;
};

static pthread_once_t fakeusb_once = PTHREAD_ONCE_INIT;
static struct fakeusb *fakeusb_instance;

static void probe_write_counters(struct fake_probe *p)
{
	struct nrfsim_counters c;
	char path[PATH_MAX + 32];

	if (!p->used)
		return;
	jlink_sim_get_counters(p->sim, &c);
	c.sim_cpu_ns = p->cpu_ns;
	if (scenario_counters_path(&fakeusb_instance->scenario, p->cfg->serial, path,
				   sizeof(path)) == 0 &&
	    counters_write_file(path, p->cfg->serial, &c) != 0)
		fprintf(stderr, "nrfsim: cannot write %s: %s\n", path, strerror(errno));
}

/* At exit: the counters of boards still claimed. Their state is in their
 * files already (board.h); the sync only starts the write-back to disk. */
static void fakeusb_at_exit(void)
{
	struct fakeusb *f = fakeusb_instance;

	for (unsigned i = 0; f && i < f->probe_count; i++) {
		struct fake_probe *p = &f->probes[i];

		pthread_mutex_lock(&p->lock);
		if (jlink_sim_board(p->sim))
			simboard_sync(jlink_sim_board(p->sim));
		probe_write_counters(p);
		pthread_mutex_unlock(&p->lock);
	}
}

static void fakeusb_create(void)
{
	struct fakeusb *f = calloc(1, sizeof(*f));
	const char *path = getenv("NRFSIM_SCENARIO");
	int errors;

	if (!f)
		return;
	fakeusb_instance = f;
	if (!path || !*path) {
		fprintf(stderr, "nrfsim: NRFSIM_SCENARIO is not set: presenting 0 probes\n");
		return;
	}
	errors = scenario_load(path, &f->scenario, stderr);
	if (errors) {
		fprintf(stderr, "nrfsim: %s: %d error(s): presenting 0 probes\n", path, errors);
		return;
	}
	f->probes = calloc(f->scenario.probe_count, sizeof(*f->probes));
	if (!f->probes && f->scenario.probe_count) {
		fprintf(stderr, "nrfsim: out of memory: presenting 0 probes\n");
		return;
	}
	for (unsigned i = 0; i < f->scenario.probe_count; i++) {
		struct fake_probe *p = &f->probes[i];

		pthread_mutex_init(&p->lock, NULL);
		p->dev.probe = p;
		p->cfg = &f->scenario.probes[i];
		p->index = i;
		p->sim = jlink_sim_create(&f->scenario, p->cfg);
		if (p->sim && slot_init(&p->slot, &f->scenario, p->cfg) != 0) {
			fprintf(stderr, "nrfsim: state_dir path too long: presenting %u probes\n",
				i);
			jlink_sim_destroy(p->sim);
			break;
		}
		if (!p->sim) {
			fprintf(stderr, "nrfsim: out of memory: presenting %u probes\n", i);
			break;
		}
		f->probe_count = i + 1;
	}
	atexit(fakeusb_at_exit);
}

static struct fakeusb *fakeusb_get(void)
{
	pthread_once(&fakeusb_once, fakeusb_create);
	return fakeusb_instance;
}

NRFSIM_EXPORT unsigned nrfsim_probe_count(void)
{
	struct fakeusb *f = fakeusb_get();

	return f ? f->probe_count : 0;
}

NRFSIM_EXPORT int nrfsim_get_counters(const char *serial, struct nrfsim_counters *out)
{
	struct fakeusb *f = fakeusb_get();

	for (unsigned i = 0; f && i < f->probe_count; i++) {
		struct fake_probe *p = &f->probes[i];

		if (strcmp(p->cfg->serial, serial) != 0)
			continue;
		pthread_mutex_lock(&p->lock);
		jlink_sim_get_counters(p->sim, out);
		out->sim_cpu_ns = p->cpu_ns;
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	return -1;
}

NRFSIM_EXPORT int libusb_init(libusb_context **ctx)
{
	fakeusb_get();
	if (ctx) {
		*ctx = calloc(1, sizeof(**ctx));
		if (!*ctx)
			return LIBUSB_ERROR_NO_MEM;
	}
	return LIBUSB_SUCCESS;
}

NRFSIM_EXPORT void libusb_exit(libusb_context *ctx)
{
	free(ctx);
}

NRFSIM_EXPORT ssize_t libusb_get_device_list(libusb_context *ctx, libusb_device ***list)
{
	struct fakeusb *f = fakeusb_get();
	libusb_device **l;
	ssize_t n = 0;

	(void)ctx;
	l = calloc((f ? f->probe_count : 0) + 1, sizeof(*l));
	if (!l)
		return LIBUSB_ERROR_NO_MEM;
	for (unsigned i = 0; f && i < f->probe_count; i++) {
		struct fake_probe *p = &f->probes[i];

		if (atomic_load(&p->unplugged))
			continue;
		atomic_fetch_add(&p->dev.refs, 1);
		l[n++] = &p->dev;
	}
	*list = l;
	return n;
}

NRFSIM_EXPORT void libusb_free_device_list(libusb_device **list, int unref_devices)
{
	if (!list)
		return;
	for (size_t i = 0; unref_devices && list[i]; i++)
		atomic_fetch_sub(&list[i]->refs, 1);
	free(list);
}

NRFSIM_EXPORT libusb_device *libusb_ref_device(libusb_device *dev)
{
	atomic_fetch_add(&dev->refs, 1);
	return dev;
}

/* Devices are never freed: they live as long as the simulated probe. */
NRFSIM_EXPORT void libusb_unref_device(libusb_device *dev)
{
	if (dev)
		atomic_fetch_sub(&dev->refs, 1);
}

NRFSIM_EXPORT int libusb_get_device_descriptor(libusb_device *dev,
					       struct libusb_device_descriptor *desc)
{
	memset(desc, 0, sizeof(*desc));
	desc->bLength = LIBUSB_DT_DEVICE_SIZE;
	desc->bDescriptorType = LIBUSB_DT_DEVICE;
	desc->bcdUSB = 0x0200;
	desc->bMaxPacketSize0 = 64;
	desc->idVendor = JLINK_VID;
	desc->idProduct = dev->probe->cfg->usb_pid;
	desc->bcdDevice = 0x0100;
	desc->iManufacturer = STR_MANUFACTURER;
	desc->iProduct = STR_PRODUCT;
	desc->iSerialNumber = STR_SERIAL;
	desc->bNumConfigurations = 1;
	return LIBUSB_SUCCESS;
}

NRFSIM_EXPORT uint8_t libusb_get_bus_number(libusb_device *dev)
{
	(void)dev;
	return 1;
}

NRFSIM_EXPORT uint8_t libusb_get_device_address(libusb_device *dev)
{
	return (uint8_t)(2 + dev->probe->index);
}

/* Each probe hangs off its own port of the root hub: location "1-<n>". */
NRFSIM_EXPORT int libusb_get_port_numbers(libusb_device *dev, uint8_t *ports, int len)
{
	if (len < 1)
		return LIBUSB_ERROR_OVERFLOW;
	ports[0] = (uint8_t)(1 + dev->probe->index);
	return 1;
}

NRFSIM_EXPORT int libusb_get_active_config_descriptor(libusb_device *dev,
						      struct libusb_config_descriptor **config)
{
	struct block {
		struct libusb_config_descriptor config;
		struct libusb_interface interface;
		struct libusb_interface_descriptor alt;
		struct libusb_endpoint_descriptor ep[2];
	} * b;

	if (atomic_load(&dev->probe->unplugged))
		return LIBUSB_ERROR_NO_DEVICE;
	b = calloc(1, sizeof(*b));
	if (!b)
		return LIBUSB_ERROR_NO_MEM;
	/* One vendor-specific interface (class/subclass 0xFF) with a bulk pair,
	 * the shape transport_usb.c:initialize_handle() looks for. */
	for (int i = 0; i < 2; i++) {
		b->ep[i].bLength = LIBUSB_DT_ENDPOINT_SIZE;
		b->ep[i].bDescriptorType = LIBUSB_DT_ENDPOINT;
		b->ep[i].bEndpointAddress = i == 0 ? EP_IN : EP_OUT;
		b->ep[i].bmAttributes = LIBUSB_TRANSFER_TYPE_BULK;
		b->ep[i].wMaxPacketSize = 64;
	}
	b->alt.bLength = LIBUSB_DT_INTERFACE_SIZE;
	b->alt.bDescriptorType = LIBUSB_DT_INTERFACE;
	b->alt.bInterfaceNumber = 0;
	b->alt.bNumEndpoints = 2;
	b->alt.bInterfaceClass = 0xff;
	b->alt.bInterfaceSubClass = 0xff;
	b->alt.bInterfaceProtocol = 0xff;
	b->alt.endpoint = b->ep;
	b->interface.altsetting = &b->alt;
	b->interface.num_altsetting = 1;
	b->config.bLength = LIBUSB_DT_CONFIG_SIZE;
	b->config.bDescriptorType = LIBUSB_DT_CONFIG;
	b->config.bNumInterfaces = 1;
	b->config.bConfigurationValue = 1;
	b->config.MaxPower = 50;
	b->config.interface = &b->interface;
	*config = &b->config;
	return LIBUSB_SUCCESS;
}

NRFSIM_EXPORT void libusb_free_config_descriptor(struct libusb_config_descriptor *config)
{
	free(config); /* first member of the block allocated above */
}

NRFSIM_EXPORT int libusb_open(libusb_device *dev, libusb_device_handle **handle)
{
	libusb_device_handle *h;

	if (atomic_load(&dev->probe->unplugged))
		return LIBUSB_ERROR_NO_DEVICE;
	h = calloc(1, sizeof(*h));
	if (!h)
		return LIBUSB_ERROR_NO_MEM;
	h->dev = libusb_ref_device(dev);
	*handle = h;
	return LIBUSB_SUCCESS;
}

NRFSIM_EXPORT int libusb_get_string_descriptor_ascii(libusb_device_handle *h, uint8_t index,
						     unsigned char *data, int length)
{
	const char *s;
	int n;

	if (atomic_load(&h->dev->probe->unplugged))
		return LIBUSB_ERROR_NO_DEVICE;
	switch (index) {
	case STR_MANUFACTURER:
		s = "SEGGER";
		break;
	case STR_PRODUCT:
		s = "J-Link";
		break;
	case STR_SERIAL:
		s = h->dev->probe->cfg->serial;
		break;
	default:
		return LIBUSB_ERROR_PIPE; /* the device stalls an unknown index */
	}
	if (length < 1)
		return LIBUSB_ERROR_INVALID_PARAM;
	n = (int)strlen(s);
	if (n > length - 1)
		n = length - 1;
	memcpy(data, s, (size_t)n);
	data[n] = '\0';
	return n;
}

/* Detaches and closes the board, writes the counters. Probe lock held. */
static void probe_release(struct fake_probe *p)
{
	struct simboard *b = jlink_sim_board(p->sim);

	jlink_sim_attach(p->sim, NULL);
	if (b)
		simboard_close(b);
	p->owner = NULL;
	probe_write_counters(p);
}

NRFSIM_EXPORT int libusb_claim_interface(libusb_device_handle *h, int interface_number)
{
	struct fake_probe *p = h->dev->probe;
	const struct scenario *s = &fakeusb_instance->scenario;
	struct simboard *b;
	int rc = LIBUSB_SUCCESS;

	if (interface_number != 0)
		return LIBUSB_ERROR_NOT_FOUND;
	pthread_mutex_lock(&p->lock);
	if (atomic_load(&p->unplugged)) {
		rc = LIBUSB_ERROR_NO_DEVICE;
	} else if (p->owner == h) {
		rc = LIBUSB_SUCCESS;
	} else if (p->owner) {
		rc = LIBUSB_ERROR_BUSY;
	} else if (!(b = slot_open_board(&p->slot, s))) {
		/* Another process holds the board: the probe is in use there. */
		if (errno == EBUSY || errno == EWOULDBLOCK) {
			rc = LIBUSB_ERROR_BUSY;
		} else {
			fprintf(stderr, "nrfsim: cannot open board %s: %s\n", p->slot.board_path,
				strerror(errno));
			rc = LIBUSB_ERROR_IO;
		}
	} else {
		jlink_sim_attach(p->sim, b);
		p->owner = h;
		p->used = true;
		h->claimed = true;
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

NRFSIM_EXPORT int libusb_release_interface(libusb_device_handle *h, int interface_number)
{
	struct fake_probe *p = h->dev->probe;
	int rc = LIBUSB_SUCCESS;

	if (interface_number != 0)
		return LIBUSB_ERROR_NOT_FOUND;
	pthread_mutex_lock(&p->lock);
	if (p->owner != h) {
		rc = LIBUSB_ERROR_NOT_FOUND;
	} else {
		probe_release(p);
		h->claimed = false;
		/* After an unplug the state is saved all the same (the board is
		 * still there), but the call fails like on a real unplug. */
		if (atomic_load(&p->unplugged))
			rc = LIBUSB_ERROR_NO_DEVICE;
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

NRFSIM_EXPORT void libusb_close(libusb_device_handle *h)
{
	struct fake_probe *p;

	if (!h)
		return;
	p = h->dev->probe;
	pthread_mutex_lock(&p->lock);
	if (p->owner == h)
		probe_release(p);
	pthread_mutex_unlock(&p->lock);
	libusb_unref_device(h->dev);
	free(h);
}

/* Applies an operator action (`nrfsim slot`) to the claimed board. Lock held. */
static void poll_slot(struct fake_probe *p)
{
	struct simboard *b = jlink_sim_board(p->sim);

	if (!b || !slot_poll(&p->slot, b))
		return;
	jlink_sim_attach(p->sim, NULL);
	b = slot_replace(&p->slot, b);
	if (!b)
		fprintf(stderr, "nrfsim: probe %s: cannot open the replacement board: %s\n",
			p->cfg->serial, strerror(errno));
	slot_begin_swap(&p->slot, b);
	/* Without a board the probe still answers; its SWD lines float. */
	jlink_sim_attach(p->sim, b);
}

/* AP data bytes the board behind the probe has moved since it was opened. */
static uint64_t board_ap_bytes(struct fake_probe *p)
{
	struct simboard *b = jlink_sim_board(p->sim);
	struct simboard_counters bc;

	if (!b)
		return 0;
	simboard_get_counters(b, &bc);
	return bc.ap_bytes;
}

/* Applies the scenario's USB faults before a transfer; 0 or a libusb error. */
static int usb_fault(struct fake_probe *p, bool in)
{
	const struct scenario_probe *c = p->cfg;

	if (atomic_load(&p->unplugged))
		return LIBUSB_ERROR_NO_DEVICE;
	bool by_transfers =
		c->fault_unplug_after_transfers && p->transfers >= c->fault_unplug_after_transfers;
	bool by_bytes = c->fault_unplug_after_ap_bytes &&
			board_ap_bytes(p) >= c->fault_unplug_after_ap_bytes;
	if (by_transfers || by_bytes) {
		fprintf(stderr, "nrfsim: probe %s: unplugged (fault after %llu transfers)\n",
			c->serial, (unsigned long long)p->transfers);
		atomic_store(&p->unplugged, true);
		if (jlink_sim_board(p->sim))
			simboard_sync(jlink_sim_board(p->sim));
		return LIBUSB_ERROR_NO_DEVICE;
	}
	if (in && c->fault_usb_timeout_after_transfers &&
	    p->transfers >= c->fault_usb_timeout_after_transfers)
		return LIBUSB_ERROR_TIMEOUT;
	return 0;
}

NRFSIM_EXPORT int libusb_bulk_transfer(libusb_device_handle *h, unsigned char endpoint,
				       unsigned char *data, int length, int *transferred,
				       unsigned int timeout)
{
	struct fake_probe *p = h->dev->probe;
	bool in = endpoint & LIBUSB_ENDPOINT_IN;
	int rc;

	if (transferred)
		*transferred = 0;
	if (endpoint != EP_IN && endpoint != EP_OUT)
		return LIBUSB_ERROR_NOT_FOUND;
	if (length < 0 || (length > 0 && !data))
		return LIBUSB_ERROR_INVALID_PARAM;
	pthread_mutex_lock(&p->lock);
	uint64_t cpu0 = thread_cpu_ns();
	poll_slot(p);
	rc = usb_fault(p, in);
	if (rc == LIBUSB_ERROR_TIMEOUT) {
		/* A hung probe: nothing comes back before the host's timeout. */
		jlink_sim_in(p->sim, NULL, 0, timeout ? timeout : 1000);
	} else if (rc == 0 && in) {
		size_t n = length ? jlink_sim_in(p->sim, data, (size_t)length,
						 timeout ? timeout : 1000)
				  : 0;

		/* Never SUCCESS with 0 bytes: libjaylink would spin (§3.1). */
		if (n == 0) {
			rc = LIBUSB_ERROR_TIMEOUT;
		} else {
			p->transfers++;
			if (transferred)
				*transferred = (int)n;
		}
	} else if (rc == 0) {
		if (length > 0)
			jlink_sim_out(p->sim, data, (size_t)length);
		p->transfers++;
		if (transferred)
			*transferred = length;
	}
	p->cpu_ns += thread_cpu_ns() - cpu0;
	pthread_mutex_unlock(&p->lock);
	return rc;
}

NRFSIM_EXPORT const char *libusb_error_name(int code)
{
	switch (code) {
	case LIBUSB_SUCCESS:
		return "LIBUSB_SUCCESS";
	case LIBUSB_ERROR_IO:
		return "LIBUSB_ERROR_IO";
	case LIBUSB_ERROR_INVALID_PARAM:
		return "LIBUSB_ERROR_INVALID_PARAM";
	case LIBUSB_ERROR_ACCESS:
		return "LIBUSB_ERROR_ACCESS";
	case LIBUSB_ERROR_NO_DEVICE:
		return "LIBUSB_ERROR_NO_DEVICE";
	case LIBUSB_ERROR_NOT_FOUND:
		return "LIBUSB_ERROR_NOT_FOUND";
	case LIBUSB_ERROR_BUSY:
		return "LIBUSB_ERROR_BUSY";
	case LIBUSB_ERROR_TIMEOUT:
		return "LIBUSB_ERROR_TIMEOUT";
	case LIBUSB_ERROR_OVERFLOW:
		return "LIBUSB_ERROR_OVERFLOW";
	case LIBUSB_ERROR_PIPE:
		return "LIBUSB_ERROR_PIPE";
	case LIBUSB_ERROR_INTERRUPTED:
		return "LIBUSB_ERROR_INTERRUPTED";
	case LIBUSB_ERROR_NO_MEM:
		return "LIBUSB_ERROR_NO_MEM";
	case LIBUSB_ERROR_NOT_SUPPORTED:
		return "LIBUSB_ERROR_NOT_SUPPORTED";
	default:
		return "LIBUSB_ERROR_OTHER";
	}
}
