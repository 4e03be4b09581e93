// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The QI descriptor decoder (plugins/vtd/qi_desc.c): input bytes 0..31 are
 * the descriptor's four quadwords (zero-filled when short), byte 32 selects
 * 128/256-bit mode, bytes 33..34 the text buffer's size and 35..38 a status
 * value.  The text goes to an exact-size heap buffer so an overrun is caught.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/vtd/qi_desc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[39] = { 0 };
	uint64_t qw[4];
	struct vtd_decoded d;
	size_t bufsize;
	int32_t status;
	char *buf;
	volatile size_t sink = 0;

	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	memcpy(qw, in, sizeof(qw));
	bufsize = 1 + ((size_t)in[33] | (size_t)in[34] << 8) % 512;
	memcpy(&status, in + 35, sizeof(status));

	memset(&d, 0xa5, sizeof(d));  /* the decoder must fill what it reports */
	vtd_qi_decode(qw, in[32] & 1, &d);
	if (d.nr_fields > VTD_MAX_FIELDS)
		abort();
	sink += strlen(d.type_name) + strlen(d.type_short);
	for (size_t i = 0; i < d.nr_fields; i++)
		sink += strlen(d.fields[i].name) + (d.fields[i].text ? strlen(d.fields[i].text) : 0);
	buf = malloc(bufsize);
	if (!buf)
		return 0;
	vtd_qi_fields_text(&d, buf, bufsize);
	sink += strlen(buf);
	vtd_bdf_text((uint16_t)qw[2], (uint16_t)(qw[2] >> 16), buf, bufsize);
	sink += strlen(buf);
	free(buf);
	sink += strlen(vtd_qi_status_name(status));
	{
		const char *name = vtd_qi_type_name((unsigned int)qw[3]); /* NULL: unknown */

		sink += name ? strlen(name) : 0;
	}
	sink += strlen(vtd_qi_type_short((unsigned int)(qw[3] >> 32)));
	(void)sink;
	return 0;
}
