/* Intel HEX record types, shared by the reader (ihex.c) and the writer
 * (ihex_write.c). Intel Hexadecimal Object File Format Specification rev. A. */
#ifndef NRFCRED_IMAGE_IHEX_RECORDS_H
#define NRFCRED_IMAGE_IHEX_RECORDS_H

enum record_type {
	RECORD_DATA = 0x00,
	RECORD_EOF = 0x01,
	RECORD_EXT_SEGMENT = 0x02,
	RECORD_START_SEGMENT = 0x03,
	RECORD_EXT_LINEAR = 0x04,
	RECORD_START_LINEAR = 0x05,
};

#endif
