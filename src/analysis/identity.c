// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The target's identity in the meta of every report.  A report knows the
 * host name and the KASLR offset whatever analyzers ran, so redaction is the
 * model's (vsc_report_redact()) for every command's output, and no front-end
 * reads the dump for it.
 */
#include <string.h>

#include <vtdscope/kernel.h>
#include <vtdscope/report.h>
#include <vtdscope/target.h>

#include "identity.h"

#define DEFAULT_NODENAME "(none)"       /* UTS_NODENAME: no host name was set */

void vsc_identity_record(struct vsc_target *t, struct vsc_report *rep)
{
	const struct vsc_target_info *in = vsc_target_info(t);
	struct vsc_utsname uts;

	if (in->release)
		vsc_report_meta(rep, "release", vsc_val_str(in->release));
	if (in->build_id)
		vsc_report_meta(rep, "build_id", vsc_val_str(in->build_id));
	if (in->kaslr_offset)
		vsc_report_meta(rep, "kaslr_offset", vsc_val_sensitive(vsc_val_hex(in->kaslr_offset)));
	/* Unreadable: the system analyzer says why; nothing to hide that we know of. */
	if (!vsc_error_consume(vsc_read_utsname(t, &uts)) && uts.nodename[0] &&
	    strcmp(uts.nodename, DEFAULT_NODENAME))
		vsc_report_meta(rep, "nodename", vsc_val_host(uts.nodename));
}
