#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nrfcred/provision.h"
#include "station/config.h"
#include "station/config_priv.h"

static struct station_config *cfg;
static char err[512];

static station_config_err parse(const char *text)
{
	station_config_free(cfg);
	cfg = NULL;
	return station_config_parse(text, "/fixture/line.ini", &cfg, err, sizeof err);
}

static void teardown(void)
{
	station_config_free(cfg);
	cfg = NULL;
}

TestSuite(station_config, .fini = teardown);

Test(station_config, parses_full_station_with_defaults_and_relative_paths)
{
	cr_assert_eq(parse("; a fixture\n"
			   "[station]\n"
			   "name = line-3\n"
			   "provisioner = fw/prov.hex\n"
			   "app = /abs/app.hex\n"
			   "timeout = 7.5\n"
			   "swd_speed = 2000\n"
			   "approtect = fail\n"
			   "erase = check\n"
			   "retries = 3\n"
			   "[slot 2]\n"
			   "probe = 260000002\n"
			   "label = left\n"
			   "[slot 1]\n"
			   "probe = 260000001\n"
			   "[credential ca]\n"
			   "sec_tag = 16842753\n"
			   "type = ca_cert\n"
			   "file = certs/ca.pem\n"
			   "[credential psk]\n"
			   "sec_tag = 42\n"
			   "type = 3\n"
			   "value = CAFEBABE\n"),
		     STATION_CONFIG_OK, "%s", err);
	cr_assert_str_eq(cfg->name, "line-3");
	cr_assert_str_eq(cfg->provisioner, "/fixture/fw/prov.hex");
	cr_assert_str_eq(cfg->app, "/abs/app.hex");
	cr_assert_str_eq(cfg->log_dir, "/fixture/logs");
	cr_assert_eq(cfg->timeout_ms, 7500);
	cr_assert_eq(cfg->swd_khz, 2000);
	cr_assert_eq(cfg->approtect, STATION_APPROTECT_FAIL);
	cr_assert_eq(cfg->erase, STATION_ERASE_CHECK);
	cr_assert_eq(cfg->retries, 3);
	cr_assert_eq(cfg->slot_count, 2);
	cr_assert_eq(cfg->slots[0].number, 1, "slots are sorted by number");
	cr_assert_str_eq(cfg->slots[1].label, "left");
	cr_assert_eq(cfg->credential_count, 2);
	cr_assert_str_eq(cfg->credentials[0].file, "/fixture/certs/ca.pem");
	cr_assert_eq(cfg->credentials[1].type, 3);
	cr_assert_str_eq(cfg->credentials[1].value, "CAFEBABE");
}

Test(station_config, defaults_when_station_section_is_absent)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 7\n"), STATION_CONFIG_OK, "%s", err);
	cr_assert_str_eq(cfg->name, "line", "name defaults to the file's base name");
	cr_assert_eq(cfg->timeout_ms, STATION_DEFAULT_TIMEOUT_MS);
	cr_assert_eq(cfg->swd_khz, STATION_DEFAULT_SWD_KHZ);
	cr_assert_eq(cfg->retries, STATION_DEFAULT_RETRIES);
	cr_assert_null(cfg->provisioner);
	cr_assert_eq(cfg->approtect, STATION_APPROTECT_RECOVER);
}

Test(station_config, rejects_unknown_key_with_file_line_and_valid_keys)
{
	cr_assert_eq(parse("[station]\nname = a\nfw_delay = 7\n[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_ERR_KEY);
	cr_assert_not_null(strstr(err, "/fixture/line.ini:3:"), "%s", err);
	cr_assert_not_null(strstr(err, "fw_delay"), "%s", err);
	cr_assert_not_null(strstr(err, "valid: name, provisioner"), "%s", err);
}

Test(station_config, rejects_unknown_section_at_its_header_line)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n\n[slots 2]\nprobe = 2\n"),
		     STATION_CONFIG_ERR_KEY);
	cr_assert_not_null(strstr(err, "line.ini:4: [slots 2]: unknown section"), "%s", err);
}

Test(station_config, rejects_duplicate_probe_naming_both_slots)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 5\n[slot 2]\nprobe = 5\n"), STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "line.ini:3: [slot 2] probe: 5 is already slot 1's probe"),
			   "%s", err);
}

Test(station_config, rejects_bad_timeout_saying_what_is_valid)
{
	cr_assert_eq(parse("[station]\ntimeout = soon\n[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "line.ini:2: [station] timeout: 'soon'"), "%s", err);
	cr_assert_not_null(strstr(err, "valid: seconds"), "%s", err);
	cr_assert_eq(parse("[station]\ntimeout = 1.2345\n[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_eq(parse("[station]\ntimeout = 0\n[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_ERR_VALUE);
}

Test(station_config, rejects_slot_without_probe_at_section_line)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n[slot 2]\nlabel = x\n"),
		     STATION_CONFIG_ERR_MISSING);
	cr_assert_not_null(strstr(err, "line.ini:3: [slot 2] probe: missing"), "%s", err);
}

Test(station_config, rejects_empty_slot_section)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n[slot 9]\n"), STATION_CONFIG_ERR_MISSING);
	cr_assert_not_null(strstr(err, "line.ini:3: [slot 9] probe: missing"), "%s", err);
}

Test(station_config, rejects_station_without_slots)
{
	cr_assert_eq(parse("[station]\nname = x\n"), STATION_CONFIG_ERR_MISSING);
	cr_assert_not_null(strstr(err, "no slot"), "%s", err);
}

Test(station_config, rejects_bad_slot_numbers)
{
	cr_assert_eq(parse("[slot 0]\nprobe = 1\n"), STATION_CONFIG_ERR_KEY);
	cr_assert_eq(parse("[slot 65]\nprobe = 1\n"), STATION_CONFIG_ERR_KEY);
	cr_assert_eq(parse("[slot x]\nprobe = 1\n"), STATION_CONFIG_ERR_KEY);
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n[slot 1]\nprobe = 2\n"), STATION_CONFIG_ERR_KEY);
	cr_assert_not_null(strstr(err, "line.ini:3: [slot 1]: duplicate section (first at line 1)"),
			   "%s", err);
}

Test(station_config, rejects_non_numeric_probe_serial)
{
	cr_assert_eq(parse("[slot 1]\nprobe = abc\n"), STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "line.ini:2: [slot 1] probe: 'abc'"), "%s", err);
	cr_assert_eq(parse("[slot 1]\nprobe = 99999999999\n"), STATION_CONFIG_ERR_VALUE);
	cr_assert_eq(parse("[slot 1]\nprobe = 0\n"), STATION_CONFIG_ERR_VALUE);
}

Test(station_config, leading_zeros_name_the_same_probe)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 000260000001\n[slot 2]\nprobe = 260000001\n"),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "line.ini:3: [slot 2] probe: 260000001 is already slot 1's"),
			   "%s", err);
}

Test(station_config, rejects_duplicate_key)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 1\nprobe = 2\n"), STATION_CONFIG_ERR_KEY);
	cr_assert_not_null(strstr(err, "line.ini:3: [slot 1] probe: duplicate key"), "%s", err);
}

Test(station_config, rejects_syntax_error_with_line)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 1\nthis is not ini\n"), STATION_CONFIG_ERR_SYNTAX);
	cr_assert_not_null(strstr(err, "line.ini:3:"), "%s", err);
}

Test(station_config, rejects_overlong_line_instead_of_splitting_it)
{
	char text[600];
	snprintf(text, sizeof text, "[slot 1]\nprobe = 1\nlabel = %0400d\n", 0);
	cr_assert_eq(parse(text), STATION_CONFIG_ERR_SYNTAX);
	cr_assert_not_null(strstr(err, "line.ini:3: line longer"), "%s", err);
}

Test(station_config, credential_needs_exactly_one_of_file_and_value)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n[credential a]\nsec_tag = 1\ntype = psk\n"),
		     STATION_CONFIG_ERR_MISSING);
	cr_assert_not_null(strstr(err, "line.ini:3: [credential a] file: missing"), "%s", err);
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n[credential a]\nsec_tag = 1\ntype = psk\n"
			   "file = x\nvalue = y\n"),
		     STATION_CONFIG_ERR_KEY);
}

Test(station_config, credential_value_never_appears_in_errors)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n[credential a]\nsec_tag = 1\ntype = psk\n"
			   "value = SECRET0123\nvalue = SECRET4567\n"),
		     STATION_CONFIG_ERR_KEY);
	cr_assert_null(strstr(err, "SECRET"), "%s", err);
}

Test(station_config, rejects_bad_credential_type_and_sec_tag)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n[credential a]\nsec_tag = 1\ntype = cert\n"
			   "value = x\n"),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "line.ini:5: [credential a] type: 'cert'"), "%s", err);
	cr_assert_not_null(strstr(err, "valid: ca_cert, client_cert"), "%s", err);
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n[credential a]\nsec_tag = 2147483648\n"
			   "type = psk\nvalue = x\n"),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n[credential a]\nsec_tag = -1\n"
			   "type = psk\nvalue = x\n"),
		     STATION_CONFIG_ERR_VALUE);
}

Test(station_config, accepts_the_provision_flag_names_as_credential_types)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n"
			   "[credential a]\nsec_tag = 1\ntype = CA_cert\nvalue = x\n"
			   "[credential b]\nsec_tag = 1\ntype = client_private_key\nvalue = x\n"
			   "[credential c]\nsec_tag = 1\ntype = psk_ident\nvalue = x\n"
			   "[credential d]\nsec_tag = 1\ntype = PSK\nvalue = x\n"),
		     STATION_CONFIG_OK, "%s", err);
	cr_assert_eq(cfg->credential_count, 4);
	cr_assert_eq(cfg->credentials[0].type, NRFCRED_TYPE_CA_CERT);
	cr_assert_eq(cfg->credentials[1].type, NRFCRED_TYPE_CLIENT_KEY);
	cr_assert_eq(cfg->credentials[2].type, NRFCRED_TYPE_PSK_IDENTITY);
	cr_assert_eq(cfg->credentials[3].type, NRFCRED_TYPE_PSK);
	cr_assert_str_eq(station_credential_type_name(cfg->credentials[1].type), "client_key",
			 "logs use the short name whatever the INI spelled");
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n[credential a]\nsec_tag = 1\n"
			   "type = psk_identity_x\nvalue = x\n"),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "aliases CA_cert, client_private_key, psk_ident"), "%s",
			   err);
}

Test(station_config, rejects_two_credentials_with_same_tag_and_type)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n"
			   "[credential a]\nsec_tag = 7\ntype = psk\nvalue = x\n"
			   "[credential b]\nsec_tag = 7\ntype = psk\nvalue = y\n"),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "line.ini:7: [credential b]"), "%s", err);
}

Test(station_config, rejects_station_name_unusable_in_file_names)
{
	cr_assert_eq(parse("[station]\nname = ../etc\n[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_eq(parse("[station]\nname = a b\n[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_ERR_VALUE);
}

Test(station_config, rejects_key_before_any_section)
{
	cr_assert_eq(parse("probe = 1\n[slot 1]\nprobe = 1\n"), STATION_CONFIG_ERR_KEY);
	cr_assert_not_null(strstr(err, "line.ini:1: probe: key outside any section"), "%s", err);
}

Test(station_config, reports_the_first_error_in_file_order)
{
	cr_assert_eq(parse("[station]\nretries = 99\nbogus = 1\n[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "line.ini:2: [station] retries"), "%s", err);
}

Test(station_config, fingerprint_key_is_a_path_relative_to_the_file)
{
	cr_assert_eq(parse("[station]\nfingerprint_key = keys/line1.fpkey\n[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_OK, "%s", err);
	cr_assert_str_eq(cfg->fingerprint_key, "/fixture/keys/line1.fpkey");
	cr_assert_eq(parse("[slot 1]\nprobe = 1\n"), STATION_CONFIG_OK, "%s", err);
	cr_assert_null(cfg->fingerprint_key, "no key file: no HMAC");
	cr_assert_eq(parse("[station]\nfingerprint_key =\n[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_ERR_VALUE);
}

Test(station_config, loads_from_a_file_and_reports_missing_file)
{
	char path[] = "/tmp/nrfcred-cfg-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	const char text[] = "[slot 3]\nprobe = 33\n";
	cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	station_config_free(cfg);
	cfg = NULL;
	cr_assert_eq(station_config_load(path, &cfg, err, sizeof err), STATION_CONFIG_OK, "%s",
		     err);
	cr_assert_str_eq(cfg->dir, "/tmp");
	cr_assert_eq(cfg->slots[0].number, 3);
	unlink(path);
	station_config_free(cfg);
	cfg = NULL;
	cr_assert_eq(station_config_load(path, &cfg, err, sizeof err), STATION_CONFIG_ERR_IO);
	cr_assert_not_null(strstr(err, path));
	cr_assert_null(cfg);
}

Test(station_config, flash_method_and_verify_default_to_loader_and_auto)
{
	cr_assert_eq(parse("[slot 1]\nprobe = 7\n"), STATION_CONFIG_OK, "%s", err);
	cr_assert_eq(cfg->flash_method, STATION_FLASH_LOADER);
	cr_assert_eq(cfg->verify, STATION_VERIFY_AUTO);
	cr_assert_eq(parse("[station]\nflash_method = direct\nverify = crc\n[slot 1]\nprobe = 7\n"),
		     STATION_CONFIG_OK, "%s", err);
	cr_assert_eq(cfg->flash_method, STATION_FLASH_DIRECT);
	cr_assert_eq(cfg->verify, STATION_VERIFY_CRC);
	cr_assert_eq(parse("[station]\nflash_method = loader\nverify = readback\n[slot 1]\nprobe = "
			   "7\n"),
		     STATION_CONFIG_OK, "%s", err);
	cr_assert_eq(cfg->flash_method, STATION_FLASH_LOADER);
	cr_assert_eq(cfg->verify, STATION_VERIFY_READBACK);
}

Test(station_config, rejects_bad_flash_method_and_verify_saying_what_is_valid)
{
	cr_assert_eq(parse("[station]\nflash_method = turbo\n[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "line.ini:2: [station] flash_method: 'turbo'"), "%s", err);
	cr_assert_not_null(strstr(err, "valid: loader, direct"), "%s", err);
	cr_assert_eq(parse("[station]\nverify = sha\n[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "valid: crc, readback"), "%s", err);
}

/* ---- issue 11 part B: [ca], type = keygen, attestation, onboard_device_id */

#define KG_SLOT "[slot 1]\nprobe = 1\n"
#define KG_CA	"[ca]\ncert = ca/ca.pem\nkey = ca/ca.key\n"

Test(station_config, parses_keygen_credential_ca_and_attestation)
{
	cr_assert_eq(parse("[station]\nattestation = required\nonboard_device_id = dev-${IMEI}\n" KG_SLOT
			   "[credential dev]\nsec_tag = 44\ntype = keygen\nsubject = CN=${IMEI},O=x\n"
			   "key_usage = 100010000\n" KG_CA "days = 30\n"),
		     STATION_CONFIG_OK, "%s", err);
	cr_assert_eq(cfg->attestation, STATION_ATTEST_REQUIRED);
	cr_assert_str_eq(cfg->onboard_device_id, "dev-${IMEI}");
	cr_assert_eq(cfg->credentials[0].type, NRFCRED_TYPE_KEYGEN);
	cr_assert_str_eq(cfg->credentials[0].subject, "CN=${IMEI},O=x");
	cr_assert_str_eq(cfg->credentials[0].key_usage, "100010000");
	cr_assert_str_eq(cfg->ca.cert, "/fixture/ca/ca.pem");
	cr_assert_str_eq(cfg->ca.key, "/fixture/ca/ca.key");
	cr_assert_eq(cfg->ca.days, 30);
	cr_assert_str_eq(station_credential_type_name(NRFCRED_TYPE_KEYGEN), "keygen");
	cr_assert_eq(parse(KG_SLOT "[credential dev]\nsec_tag = 44\ntype = keygen\n" KG_CA),
		     STATION_CONFIG_OK, "%s", err);
	cr_assert_null(cfg->credentials[0].subject, "default CN=${IMEI} applies at job time");
	cr_assert_eq(cfg->ca.days, STATION_CA_DEFAULT_DAYS);
	cr_assert_eq(cfg->attestation, STATION_ATTEST_NO);
}

Test(station_config, keygen_rules_name_line_and_fix)
{
	cr_assert_eq(parse(KG_SLOT "[credential dev]\nsec_tag = 44\ntype = keygen\n"),
		     STATION_CONFIG_ERR_MISSING);
	cr_assert_not_null(strstr(err, "line.ini:3: [credential dev] type: keygen needs a [ca]"), "%s",
			   err);
	cr_assert_eq(parse(KG_SLOT "[credential dev]\nsec_tag = 44\ntype = keygen\nfile = x.pem\n" KG_CA),
		     STATION_CONFIG_ERR_KEY);
	cr_assert_not_null(strstr(err, "takes no file or value"), "%s", err);
	cr_assert_eq(parse(KG_SLOT "[credential c]\nsec_tag = 44\ntype = ca_cert\nfile = x.pem\n"
				   "subject = CN=x\n"),
		     STATION_CONFIG_ERR_KEY);
	cr_assert_not_null(strstr(err, "only for type = keygen"), "%s", err);
	cr_assert_eq(parse("[station]\ndelivery = flash\n" KG_SLOT
			   "[credential dev]\nsec_tag = 44\ntype = keygen\n" KG_CA),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "line.ini:5: [station] delivery: flash cannot run type = keygen"),
			   "%s", err);
	cr_assert_eq(parse("[station]\ndelivery = flash\nattestation = yes\n" KG_SLOT),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "cannot run attestation"), "%s", err);
	cr_assert_eq(parse(KG_SLOT "[credential dev]\nsec_tag = 44\ntype = keygen\n"
				   "key_usage = 10001\n" KG_CA),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "key_usage: '10001' is not valid"), "%s", err);
	cr_assert_eq(parse(KG_SLOT "[credential dev]\nsec_tag = 44\ntype = keygen\n"
				   "subject = CN=\"x\"\n" KG_CA),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_eq(parse(KG_SLOT "[ca]\ncert = ca.pem\n"), STATION_CONFIG_ERR_MISSING);
	cr_assert_not_null(strstr(err, "[ca] key: missing"), "%s", err);
	cr_assert_eq(parse(KG_SLOT KG_CA "days = 0\n"), STATION_CONFIG_ERR_VALUE);
	cr_assert_eq(parse(KG_SLOT KG_CA "[ca]\n"), STATION_CONFIG_ERR_KEY);
	cr_assert_not_null(strstr(err, "[ca]: duplicate section"), "%s", err);
	cr_assert_eq(parse(KG_SLOT KG_CA "serial = 1\n"), STATION_CONFIG_ERR_KEY);
	cr_assert_not_null(strstr(err, "[ca] serial: unknown key; valid: cert, key, days"), "%s", err);
	cr_assert_eq(parse("[station]\nattestation = maybe\n" KG_SLOT), STATION_CONFIG_ERR_VALUE);
	cr_assert_eq(parse("[station]\nonboard_device_id = a,b\n" KG_SLOT), STATION_CONFIG_ERR_VALUE);
}

/* Issue 11's two parts each took bit 26 for a [station] key: the second
 * key of a file was then refused as a duplicate of the first. */
Test(station_config, secrets_out_and_attestation_in_one_station_section)
{
	cr_assert_eq(parse("[station]\nsecrets_out = psk.csv\nattestation = yes\n"
			   "onboard_device_id = dev-${IMEI}\ndelivery = ram\n"
			   "[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_OK, "%s", err);
	cr_assert_eq(cfg->attestation, STATION_ATTEST_YES);
	cr_assert_str_eq(cfg->secrets_out, "/fixture/psk.csv");
	cr_assert_eq(parse("[station]\nattestation = yes\nsecrets_out = a.csv\nsecrets_out = b.csv\n"
			   "[slot 1]\nprobe = 1\n"),
		     STATION_CONFIG_ERR_KEY);
	cr_assert_not_null(strstr(err, "line.ini:4: [station] secrets_out: duplicate key"), "%s",
			   err);
}

Test(station_config, every_key_of_a_section_has_a_bit_of_its_own)
{
	static const struct {
		enum section_kind kind;
		const char *keys[24];
	} sections[] = {
		{SEC_STATION,
		 {"name", "provisioner", "app", "timeout", "swd_speed", "log_dir", "approtect",
		  "erase", "retries", "lock", "verify_digest", "delivery", "fingerprint_key",
		  "flash_method", "verify", "secrets_out", "attestation", "onboard_device_id"}},
		{SEC_SLOT, {"probe", "label"}},
		{SEC_CREDENTIAL,
		 {"sec_tag", "type", "file", "value", "subject", "key_usage", "source"}},
		{SEC_CA, {"cert", "key", "days"}},
		{SEC_DATABASE, {"url", "policy", "pool_key"}},
	};
	/* Across sections too: a bit reused by two sections would only work
	 * as long as nobody moves a key, so none is. */
	config_key_bits seen = 0;
	for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
		for (size_t i = 0; sections[s].keys[i] != NULL; i++) {
			config_key_bits bit = config_key_bit(sections[s].kind, sections[s].keys[i]);
			cr_assert(bit != 0 && (bit & (bit - 1)) == 0, "%s: one bit",
				  sections[s].keys[i]);
			cr_assert_eq(seen & bit, 0, "%s shares its bit", sections[s].keys[i]);
			seen |= bit;
		}
	}
}
