/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VT-d analyzer's model of the target: DMAR units, their invalidation
 * queues (every slot), the PCI devices behind them.  Read once, then
 * rendered by qi/report and judged by the diagnosis.
 */
#ifndef VTDSCOPE_VTD_H
#define VTDSCOPE_VTD_H

#include <stdbool.h>
#include <stdint.h>

#include <vtdscope/error.h>
#include <vtdscope/types.h>

#include "qi_desc.h"

struct vsc_target;

#define VTD_MAX_UNITS 64
#define VTD_MAX_PCI 4096
#define VTD_MAX_BATCHES VTD_QI_LENGTH

struct vtd_slot {
	int status;            /* desc_status[i] as read (may be garbage) */
	uint64_t qw[4];
	struct vtd_decoded dec;
	int batch;             /* index into unit->batches, -1 if none */
};

struct vtd_batch {
	int first, wait;       /* slot indices (wait closes the batch) */
	int count;             /* payload descriptors */
	int wait_status;       /* status of the wait slot */
	bool pending;          /* wait not DONE: the submitter is still polling */
	bool wait_points_home; /* status address == &desc_status[wait] */
	bool has_device_inv;   /* contains a device-TLB invalidation */
};

struct vtd_pci {
	uint64_t address;      /* struct pci_dev * */
	uint16_t segment;
	uint8_t bus, devfn;
	uint16_t vendor, device;
	char name[32];         /* 0000:00:03.0 */
	char driver[32];
	bool ats_enabled, ats_known;
	int error_state;       /* pci_channel_state_t, -1 if unknown */
	bool behind_unit;
};

struct vtd_unit {
	uint64_t drhd, iommu;
	char name[17];
	int seq_id;
	uint64_t reg_phys, cap, ecap;
	uint32_t gcmd, flags;
	bool gcmd_present, flags_present;
	uint16_t segment;
	bool include_all, ignored;
	/* queued invalidation */
	uint64_t qi;
	bool has_qi;
	uint64_t desc, desc_phys, desc_status, desc_status_phys;
	int free_head, free_tail, free_cnt;
	uint32_t q_lock;
	uint64_t q_lock_addr;
	unsigned int shift;    /* 4: 128-bit, 5: 256-bit descriptors */
	bool slots_read;
	struct vsc_error *qi_error; /* why the ring could not be read (owned) */
	struct vtd_slot slots[VTD_QI_LENGTH];
	struct vtd_batch batches[VTD_MAX_BATCHES];
	int nr_batches;
	int counted[4];        /* slots per status value */
	int garbage_status;    /* slots with an impossible status */
	/* PRQ / iopf */
	uint64_t prq, iopf_queue;
	/* devices behind this unit (indices into model->pci) */
	int nr_devices;
};

struct vtd_model {
	struct vtd_unit units[VTD_MAX_UNITS];
	int nr_units;
	bool intel_iommu_present;  /* the kernel has the driver at all */
	bool list_truncated;
	struct vtd_pci *pci;
	int nr_pci;
	struct vsc_error *pci_error;
	/* log evidence (5.13+ messages) */
	int log_iqe, log_ite, log_ice, log_iqe_cleared, log_ite_cleared, log_fault_reg;
	bool log_qi_head;
	uint64_t log_head_qw0, log_head_qw1;
	char log_head_type[48];
	uint64_t log_ite_sid;
	bool log_ite_sid_valid;
	char log_lines[16][256];   /* most relevant DMAR lines, in order */
	uint64_t log_ts[16];
	int nr_log_lines;
};

struct vsc_analysis;
/* The model of this analysis run, read on first use and shared by analyzers. */
/* The run's VT-d model, read once (product VTD_PRODUCT_MODEL). */
#define VTD_PRODUCT_MODEL "vtd.model"
struct vsc_error *vtd_model_get(struct vsc_analysis *a, struct vtd_model **out) VSC_MUST_CHECK;
/* The model from memory; the log's VT-d lines from @log (NULL: scanned here). */
struct vsc_log_records;
struct vsc_error *vtd_model_read(struct vsc_target *t, const struct vsc_log_records *log,
				 struct vtd_model **out) VSC_MUST_CHECK;
void vtd_model_destroy(struct vtd_model *m);
/* The PCI device with @sid on @segment, or NULL. */
const struct vtd_pci *vtd_pci_find(const struct vtd_model *m, uint16_t segment, uint16_t sid);
/* Slot of @unit whose desc_status entry lives at physical @paddr, or -1. */
int vtd_status_slot(const struct vtd_unit *u, uint64_t paddr);

#endif
