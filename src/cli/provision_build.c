#include "cli/provision_build.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/hexload.h"
#include "cred/cred.h"
#include "image/digest.h"
#include "image/image.h"
#include "provision/patch.h"
#include "station/job.h"

void provision_print_table(FILE *out, const struct table *t)
{
	for (size_t i = 0; i < table_count(t); i++) {
		const struct table_entry *e = table_entry_at(t, i);
		if (table_type_is_secret(e->type)) {
			fprintf(out, "  sec_tag %-10u %-20s %5u bytes  secret: no digest shown\n",
				e->sec_tag, table_type_name(e->type), e->len);
			continue;
		}
		uint8_t digest[SHA256_LEN];
		char hex[SHA256_HEX_LEN];
		sha256(e->data, e->len, digest);
		sha256_hex(digest, hex);
		fprintf(out, "  sec_tag %-10u %-20s %5u bytes  sha256 %s\n", e->sec_tag,
			table_type_name(e->type), e->len, hex);
	}
}

static int load_image(const struct provision_opts *o, struct provision_job *job)
{
	job->source = o->in_file ? o->in_file : o->provisioner;
	if (!o->in_file && access(o->provisioner, F_OK) != 0) {
		cli_error(o->provisioner, 0,
			  "provisioning firmware not found; check the --provisioner / "
			  "NRFCRED_PROVISIONER path");
		return CLI_EXIT_INPUT;
	}
	int rc = cli_load_hex(job->source, &job->image, &job->info);
	if (rc != CLI_EXIT_OK)
		return rc;
	struct provision_diag diag = {{0}};
	manifest_err merr = manifest_find(job->image, &job->manifest, &diag);
	if (merr != MANIFEST_OK) {
		cli_error(job->source, 0,
			  "%s: %s; use the provisioning firmware built by nrfcred "
			  "(or a hex written by 'nrfcred provision -o')",
			  manifest_strerror(merr), diag.text);
		return CLI_EXIT_INPUT;
	}
	if (manifest_is_sim_build(&job->manifest))
		cli_warn(job->source, "a simulator build of the provisioner: it provisions "
				      "simulated boards only (use firmware/ncs for real ones)");
	return CLI_EXIT_OK;
}

static int cred_failed(enum cred_err err, const struct cred_diag *diag)
{
	if (err == CRED_ERR_NOMEM) {
		cli_error(NULL, 0, "out of memory loading credentials");
		return CLI_EXIT_FAILURE;
	}
	if (err == CRED_ERR_DUPLICATE)
		cli_error(NULL, 0, "%s; give --replace to replace it",
			  diag->detail[0] ? diag->detail : cred_strerror(err));
	else
		cli_error(NULL, 0, "%s", diag->detail[0] ? diag->detail : cred_strerror(err));
	return CLI_EXIT_INPUT;
}

/* Entries already in the -i image's table, re-validated by cred. */
static int add_existing(struct cred_set *set, const struct provision_job *job,
			const struct table *old)
{
	for (size_t i = 0; i < table_count(old); i++) {
		const struct table_entry *e = table_entry_at(old, i);
		char origin[300];
		snprintf(origin, sizeof(origin), "%.250s table entry %zu", job->source, i);
		struct cred_add_opts ao = {.origin = origin};
		struct cred_diag diag = {0};
		enum cred_err err =
			cred_set_add_raw(set, e->sec_tag, (enum nrfcred_cred_type)e->type, e->data,
					 e->len, &ao, &diag);
		if (err != CRED_OK)
			return cred_failed(err, &diag);
	}
	return CLI_EXIT_OK;
}

static int add_new(struct cred_set *set, const struct provision_opts *o)
{
	struct {
		const char *value;
		enum nrfcred_cred_type type;
		bool is_file;
		const char *origin;
	} items[] = {
		{o->ca_cert, NRFCRED_TYPE_CA_CERT, true, "--CA_cert"},
		{o->client_cert, NRFCRED_TYPE_CLIENT_CERT, true, "--client_cert"},
		{o->client_key, NRFCRED_TYPE_CLIENT_KEY, true, "--client_private_key"},
		{o->psk, NRFCRED_TYPE_PSK, false, "--psk"},
		{o->psk_ident, NRFCRED_TYPE_PSK_IDENTITY, false, "--psk_ident"},
	};
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		if (!items[i].value)
			continue;
		struct cred_add_opts ao = {
			.replace = o->replace,
			.passphrase = o->key_passphrase,
			.origin = items[i].origin,
		};
		struct cred_diag diag = {0};
		enum cred_err err = items[i].is_file
					    ? cred_set_add_file(set, o->sec_tag, items[i].type,
								items[i].value, &ao, &diag)
					    : cred_set_add_value(set, o->sec_tag, items[i].type,
								 items[i].value, &ao, &diag);
		if (err != CRED_OK)
			return cred_failed(err, &diag);
	}
	return CLI_EXIT_OK;
}

static int build_table(const struct cred_set *set, const struct provision_opts *o,
		       struct provision_job *job)
{
	job->table = table_create(o->imei_only ? NRFCRED_TABLE_F_IMEI_ONLY : 0);
	if (!job->table)
		return CLI_EXIT_FAILURE;
	for (size_t i = 0; i < cred_set_count(set); i++) {
		const struct cred_entry *e = cred_set_entry(set, i);
		struct provision_diag diag = {{0}};
		/* Delete first: AT%CMNG write does not overwrite an existing
		 * credential on every modem firmware; a missing one is fine. */
		table_err err =
			table_add(job->table, e->sec_tag, (uint8_t)e->type,
				  NRFCRED_ENTRY_F_DELETE_FIRST, e->content, e->len, false, &diag);
		if (err == TABLE_ERR_NOMEM)
			return CLI_EXIT_FAILURE;
		if (err != TABLE_OK) {
			cli_error(e->origin, 0, "%s: %s", table_strerror(err), diag.text);
			return CLI_EXIT_INPUT;
		}
		if (table_type_is_secret((uint8_t)e->type))
			job->holds_secret = true;
	}
	return CLI_EXIT_OK;
}

/* -o writes a hex: the flash delivery. A board run takes --delivery, else
 * RAM where the provisioner offers it. */
static int choose_delivery(const struct provision_opts *o, struct provision_job *job)
{
	enum station_delivery want = STATION_DELIVERY_AUTO;
	if (o->out_file || (o->delivery && strcmp(o->delivery, "flash") == 0))
		want = STATION_DELIVERY_FLASH;
	else if (o->delivery)
		want = STATION_DELIVERY_RAM;
	char err[400];
	if (station_job_resolve_delivery(&job->manifest, want, &job->delivery, err, sizeof err) !=
	    0) {
		cli_error(job->source, 0, "%s", err);
		return CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

int provision_build(const struct provision_opts *o, struct provision_job *job)
{
	memset(job, 0, sizeof(*job));
	int rc = load_image(o, job);
	if (rc != CLI_EXIT_OK)
		return rc;

	if (o->per_device) {
		/* Each board's table is built after its READY (board_table.h). */
		rc = choose_delivery(o, job);
		if (rc == CLI_EXIT_OK && job->delivery != STATION_DELIVERY_RAM) {
			cli_error(job->source, 0,
				  "${...} and random:N need the RAM session, which this "
				  "provisioner does not offer");
			rc = CLI_EXIT_INPUT;
		}
		if (rc == CLI_EXIT_OK)
			fprintf(stderr, "nrfcred: table: per-device credentials, built for the "
					"board once it has said its IMEI (RAM mailbox at 0x%08x)\n",
				job->manifest.mailbox_addr);
		return rc;
	}
	struct provision_diag pdiag = {{0}};
	struct table *old = NULL;
	patch_err perr = patch_read_table(job->image, &job->manifest, &old, &pdiag);
	if (perr != PATCH_OK) {
		cli_error(job->source, 0, "%s: %s; start again from the provisioning firmware",
			  patch_strerror(perr), pdiag.text);
		return perr == PATCH_ERR_NOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_INPUT;
	}
	if (old && !o->in_file)
		cli_warn(job->source,
			 "the provisioning firmware already holds a table of %zu "
			 "credential(s); they are kept",
			 table_count(old));

	struct cred_set_config cfg = {.now = time(NULL)};
	struct cred_set *set = cred_set_create(&cfg);
	if (!set) {
		table_destroy(old);
		return CLI_EXIT_FAILURE;
	}
	rc = old ? add_existing(set, job, old) : CLI_EXIT_OK;
	table_destroy(old);
	if (rc == CLI_EXIT_OK)
		rc = add_new(set, o);
	if (rc == CLI_EXIT_OK) {
		struct cred_diag diag = {0};
		enum cred_err err = cred_set_validate(set, &diag);
		if (err != CRED_OK)
			rc = cred_failed(err, &diag);
	}
	for (size_t i = 0; i < cred_set_warning_count(set); i++)
		cli_warn(NULL, "%s", cred_set_warning(set, i)->text);
	if (rc == CLI_EXIT_OK)
		rc = build_table(set, o, job);
	cred_set_destroy(set);
	if (rc != CLI_EXIT_OK)
		return rc;

	rc = choose_delivery(o, job);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (job->delivery == STATION_DELIVERY_RAM) {
		/* A table an -i image brought along never reaches flash either. */
		if (manifest_has_flash_areas(&job->manifest) &&
		    image_remove(job->image, job->manifest.table_addr, job->manifest.table_max) !=
			    IMAGE_OK)
			return CLI_EXIT_FAILURE;
		fprintf(stderr,
			"nrfcred: table: %zu credential(s)%s, %zu bytes, through the RAM mailbox "
			"at 0x%08x (nothing of it in flash)\n",
			table_count(job->table),
			(table_flags(job->table) & NRFCRED_TABLE_F_IMEI_ONLY) ? " (IMEI only)" : "",
			table_encoded_size(job->table), job->manifest.mailbox_addr);
		provision_print_table(stderr, job->table);
		return CLI_EXIT_OK;
	}
	perr = patch_apply(job->image, &job->manifest, job->table, &pdiag);
	if (perr != PATCH_OK) {
		const char *hint = perr == PATCH_ERR_TABLE_TOO_LARGE
					   ? "write fewer or shorter credentials per run"
					   : "start again from the provisioning firmware";
		cli_error(job->source, 0, "%s: %s; %s", patch_strerror(perr), pdiag.text, hint);
		return perr == PATCH_ERR_NOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_INPUT;
	}
	fprintf(stderr, "nrfcred: table: %zu credential(s)%s, %zu of %u bytes at 0x%08x\n",
		table_count(job->table),
		(table_flags(job->table) & NRFCRED_TABLE_F_IMEI_ONLY) ? " (IMEI only)" : "",
		table_encoded_size(job->table), job->manifest.table_max, job->manifest.table_addr);
	provision_print_table(stderr, job->table);
	return CLI_EXIT_OK;
}

void provision_job_free(struct provision_job *job)
{
	/* The image holds the table (keys) too: overwrite it before freeing. */
	if (job->image && job->table && job->delivery != STATION_DELIVERY_RAM)
		image_fill(job->image, job->manifest.table_addr, table_encoded_size(job->table), 0);
	image_destroy(job->image);
	table_destroy(job->table);
	memset(job, 0, sizeof(*job));
}
