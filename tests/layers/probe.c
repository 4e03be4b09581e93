// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Layer probe: compiled with the include paths of one layer (see
 * tests/CMakeLists.txt).  Without PROBE_HEADER it includes only what every
 * layer may see and must compile; with PROBE_HEADER it also includes that
 * header, which lies above or beside the layer, and must not.
 */
#include <vtdscope/error.h>

#ifdef PROBE_HEADER
#include PROBE_HEADER
#endif

int vsc_layer_probe(void);
int vsc_layer_probe(void)
{
	return VSC_ERR_OTHER;
}
