// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the unwinder's and the lock analysis' pure parts: ORC entry
 * decoding for each layout (v1 <= 6.2, v2 6.3, v3 6.4-7.0, v4 7.1) from
 * hand-built bytes, layout detection, and the qspinlock word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vtdscope/locks.h>
#include <vtdscope/unwind.h>

/* An entry from its fields: s16 sp_offset, s16 bp_offset, u16 flags word, little-endian. */
static void entry(uint8_t raw[6], int16_t sp_off, int16_t bp_off, uint16_t word)
{
	raw[0] = (uint8_t)sp_off;
	raw[1] = (uint8_t)((uint16_t)sp_off >> 8);
	raw[2] = (uint8_t)bp_off;
	raw[3] = (uint8_t)((uint16_t)bp_off >> 8);
	raw[4] = (uint8_t)word;
	raw[5] = (uint8_t)(word >> 8);
}

static void decode(unsigned int version, int16_t sp_off, int16_t bp_off, uint16_t word,
		   struct vsc_orc_entry *e)
{
	uint8_t raw[6];

	entry(raw, sp_off, bp_off, word);
	memset(e, 0xa5, sizeof(*e));
	vsc_orc_decode(raw, version, e);
}

/* v1 (v4.14 - v6.2): sp_reg:4 bp_reg:4 type:2 end:1; registers PREV_SP=1 DX=2 DI=3 BP=4 SP=5 ... */
static void test_orc_v1(void **state)
{
	struct vsc_orc_entry e;

	(void)state;
	/* a normal function body: CFA = sp + 8, bp untouched */
	decode(1, 8, 0, 0x0005, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_SP);
	assert_int_equal(e.sp_offset, 8);
	assert_int_equal(e.bp_reg, VSC_ORC_REG_UNDEFINED);
	assert_int_equal(e.type, VSC_ORC_TYPE_CALL);
	assert_false(e.signal);
	/* frame-pointer style: CFA = bp + 16, bp saved at CFA - 16 */
	decode(1, 16, -16, 0x0014, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_BP);
	assert_int_equal(e.bp_reg, VSC_ORC_REG_PREV_SP);
	assert_int_equal(e.sp_offset, 16);
	assert_int_equal(e.bp_offset, -16);
	/* REGS and REGS_PARTIAL imply signal in v1 */
	decode(1, 0, 0, 0x0105, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_REGS);
	assert_true(e.signal);
	decode(1, 8, 0, 0x0205, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_REGS_PARTIAL);
	assert_true(e.signal);
	/* type 3 does not exist */
	decode(1, 8, 0, 0x0305, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_INVALID);
	/* undefined sp_reg: end bit set = end of stack, clear = undefined */
	decode(1, 0, 0, 0x0400, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_END_OF_STACK);
	decode(1, 0, 0, 0x0000, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_UNDEFINED);
	/* other registers, and numbers past the last one */
	decode(1, 8, 0, 0x0009, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_SP_INDIRECT);
	decode(1, 8, 0, 0x0008, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_BP_INDIRECT);
	decode(1, 0, 0, 0x0006, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_R10);
	decode(1, 0, 0, 0x0007, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_R13);
	decode(1, 0, 0, 0x0003, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_DI);
	decode(1, 0, 0, 0x0002, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_DX);
	decode(1, 0, 0, 0x000c, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_INVALID);
	/* a large negative offset survives the sign */
	decode(1, -32768, 32767, 0x0005, &e);
	assert_int_equal(e.sp_offset, -32768);
	assert_int_equal(e.bp_offset, 32767);
}

/* v2 (v6.3, ffb1b4a41016): type:2 signal:1 end:1 */
static void test_orc_v2(void **state)
{
	struct vsc_orc_entry e;

	(void)state;
	decode(2, 8, 0, 0x0005, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_CALL);
	assert_false(e.signal);
	/* the signal bit is taken literally, whatever the type */
	decode(2, 8, 0, 0x0405, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_CALL);
	assert_true(e.signal);
	decode(2, 0, 0, 0x0505, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_REGS);
	assert_true(e.signal);
	decode(2, 0, 0, 0x0105, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_REGS);
	assert_false(e.signal);
	/* end moved to bit 11; bit 10 is no longer "end" */
	decode(2, 0, 0, 0x0800, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_END_OF_STACK);
	decode(2, 0, 0, 0x0400, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_UNDEFINED);
}

/* v3 (v6.4 - v7.0, fb799447ae29): type:3 (UNDEFINED END CALL REGS REGS_PARTIAL), signal:1 */
static void test_orc_v3(void **state)
{
	struct vsc_orc_entry e;

	(void)state;
	decode(3, 0, 0, 0x0000, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_UNDEFINED);
	decode(3, 0, 0, 0x0100, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_END_OF_STACK);
	decode(3, 8, 0, 0x0205, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_CALL);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_SP);
	assert_false(e.signal);
	decode(3, 0, 0, 0x0b05, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_REGS);
	assert_true(e.signal);
	decode(3, 8, 0, 0x0c05, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_REGS_PARTIAL);
	assert_true(e.signal);
	decode(3, 8, 0, 0x0505, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_INVALID);
	decode(3, 8, 0, 0x0705, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_INVALID);
	/* the irq-stack switch: SP_INDIRECT keeps number 9 */
	decode(3, 8, 0, 0x0209, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_SP_INDIRECT);
	/* the v3 register numbers are v1's */
	decode(3, 16, -16, 0x0214, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_BP);
	assert_int_equal(e.bp_reg, VSC_ORC_REG_PREV_SP);
}

/*
 * v4 (v7.1, 1735858caa4b): as v3, registers renumbered:
 * AX=1 DX=2 SP=3 BP=4 DI=5 R10=6 R13=7 PREV_SP=8 SP_INDIRECT=9 BP_INDIRECT=10
 */
static void test_orc_v4(void **state)
{
	struct vsc_orc_entry e;

	(void)state;
	decode(4, 8, 0, 0x0203, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_CALL);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_SP);
	decode(4, 16, -16, 0x0284, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_BP);
	assert_int_equal(e.bp_reg, VSC_ORC_REG_PREV_SP);
	decode(4, 0, 0, 0x0201, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_AX);
	decode(4, 0, 0, 0x0205, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_DI);
	decode(4, 0, 0, 0x020a, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_BP_INDIRECT);
	decode(4, 0, 0, 0x0209, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_SP_INDIRECT);
	decode(4, 0, 0, 0x020b, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_INVALID);
	decode(4, 0, 0, 0x0b03, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_REGS);
	assert_true(e.signal);
	decode(4, 0, 0, 0x0100, &e);
	assert_int_equal(e.type, VSC_ORC_TYPE_END_OF_STACK);
	/* the same bytes mean different registers in v3 */
	decode(3, 8, 0, 0x0203, &e);
	assert_int_equal(e.sp_reg, VSC_ORC_REG_DI);
}

static void hash_of(const char *hex, uint8_t out[20])
{
	for (int i = 0; i < 20; i++) {
		unsigned int b;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

static void test_orc_version(void **state)
{
	uint8_t h[20];

	(void)state;
	hash_of("db84aed4103b31dd51e017f8f79783ca985c2c51", h);
	assert_int_equal(vsc_orc_version_detect(h, "6.3.10"), 2);
	hash_of("fe5d32bf581bd63b2ca9a5c65ba5a625eab3fe24", h);
	assert_int_equal(vsc_orc_version_detect(h, "6.12.117+deb12-amd64"), 3);
	hash_of("137c36ad7627c4dd55932176bb0ecdbd5041fc82", h);
	assert_int_equal(vsc_orc_version_detect(h, "7.1.0"), 4);
	/* an unknown hash: go by release */
	memset(h, 0x11, sizeof(h));
	assert_int_equal(vsc_orc_version_detect(h, "6.18.2"), 3);
	assert_int_equal(vsc_orc_version_detect(h, "7.3.0"), 4);
	/* no header */
	assert_int_equal(vsc_orc_version_detect(NULL, "6.1.0-56-amd64"), 1);
	assert_int_equal(vsc_orc_version_detect(NULL, "4.19.0-27-amd64"), 1);
	assert_int_equal(vsc_orc_version_detect(NULL, "6.3.0"), 2);
	assert_int_equal(vsc_orc_version_detect(NULL, "6.4.0"), 3);
	assert_int_equal(vsc_orc_version_detect(NULL, "5.14.0-517.el9.x86_64"), 3);
	assert_int_equal(vsc_orc_version_detect(NULL, "5.14.0-284.el9.x86_64"), 1);
	assert_int_equal(vsc_orc_version_detect(NULL, NULL), 0);
	assert_int_equal(vsc_orc_version_detect(NULL, "garbage"), 0);
}

static void test_orc_format(void **state)
{
	struct vsc_orc_entry e;
	char buf[96];

	(void)state;
	decode(3, 8, 0, 0x0b05, &e);
	vsc_orc_entry_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "sp:sp+8 bp:undef+0 type:regs signal");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(vsc_unwind_end_name(VSC_UNWIND_NO_ORC), "no-orc");
	assert_string_equal(vsc_unwind_end_text(VSC_UNWIND_END_OF_STACK), "end of stack");
	assert_string_equal(vsc_unwind_end_name(VSC_UNWIND_END_COUNT), "?");
	assert_string_equal(vsc_stack_kind_name(VSC_STACK_NMI), "nmi");
	assert_string_equal(vsc_frame_kind_name(VSC_FRAME_EXCEPTION), "exception");
	assert_string_equal(vsc_confidence_name(VSC_CONF_HIGH), "high");
	assert_string_equal(vsc_waiter_role_name(VSC_WAITER_HEAD), "queue-head");
	assert_true(vsc_is_spin_slowpath("native_queued_spin_lock_slowpath"));
	assert_true(vsc_is_spin_slowpath("__pv_queued_spin_lock_slowpath"));
	assert_true(vsc_is_spin_slowpath("queued_spin_lock_slowpath"));
	assert_false(vsc_is_spin_slowpath("_raw_spin_lock"));
	assert_false(vsc_is_spin_slowpath(NULL));
}

static void test_frame_format(void **state)
{
	struct vsc_frame f = { .kind = VSC_FRAME_NORMAL, .pc = 0xffffffffc0403503ULL,
			       .symbol = "qihang_fn.cold", .offset = 0x16c, .module = "vtdscen" };
	char buf[128];

	(void)state;
	vsc_frame_format(&f, buf, sizeof(buf));
	assert_string_equal(buf, "qihang_fn.cold+0x16c [vtdscen]");
	f.symbol = NULL;
	vsc_frame_format(&f, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffffc0403503 [vtdscen]");
	f.module = NULL;
	vsc_frame_format(&f, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffffc0403503");
	f = (struct vsc_frame){ .kind = VSC_FRAME_MARKER, .marker = "<IRQ>" };
	vsc_frame_format(&f, buf, sizeof(buf));
	assert_string_equal(buf, "<IRQ>");
}

/* ---- qspinlock word (x86-64, NR_CPUS < 16K) ---- */

static void test_qspinlock_decode(void **state)
{
	struct vsc_qspinlock_word w;

	(void)state;
	vsc_qspinlock_decode(0, &w);
	assert_int_equal(w.locked, 0);
	assert_false(w.pending);
	assert_int_equal(w.tail, 0);
	assert_int_equal(w.tail_cpu, -1);
	assert_true(w.plausible);

	vsc_qspinlock_decode(0x00000001, &w);
	assert_int_equal(w.locked, VSC_Q_LOCKED_VAL);
	assert_false(w.pending);
	assert_true(w.plausible);

	vsc_qspinlock_decode(0x00000101, &w);
	assert_int_equal(w.locked, 1);
	assert_true(w.pending);

	vsc_qspinlock_decode(0x00000003, &w);
	assert_int_equal(w.locked, VSC_Q_SLOW_VAL);
	assert_true(w.plausible);

	/* tail = ((cpu + 1) << 18 | idx << 16): CPU 2, node 1, locked */
	vsc_qspinlock_decode(0x000d0001, &w);
	assert_int_equal(w.tail, 0x000d);
	assert_int_equal(w.tail_cpu, 2);
	assert_int_equal(w.tail_idx, 1);
	assert_true(w.plausible);

	/* CPU 0 node 0 is tail 4, not 0 */
	vsc_qspinlock_decode(0x00040000, &w);
	assert_int_equal(w.tail_cpu, 0);
	assert_int_equal(w.tail_idx, 0);

	/* the largest CPU the 14-bit field holds */
	vsc_qspinlock_decode(0xfffc0101, &w);
	assert_int_equal(w.tail_cpu, 16382);
	assert_int_equal(w.tail_idx, 0);
	assert_true(w.pending);

	/* garbage: pending byte 2, locked byte 0x55, tail with CPU field 0 */
	vsc_qspinlock_decode(0x00000201, &w);
	assert_false(w.plausible);
	vsc_qspinlock_decode(0x00000055, &w);
	assert_false(w.plausible);
	vsc_qspinlock_decode(0x00020001, &w);
	assert_int_equal(w.tail_cpu, -1);
	assert_false(w.plausible);
}

static void test_qspinlock_tail(void **state)
{
	struct vsc_qspinlock_word w;

	(void)state;
	for (unsigned int cpu = 0; cpu < 8192; cpu += 97)
		for (unsigned int idx = 0; idx < 4; idx++) {
			uint16_t tail = vsc_qspinlock_encode_tail(cpu, idx);

			vsc_qspinlock_decode((uint32_t)tail << 16 | 1, &w);
			assert_int_equal(w.tail_cpu, (int)cpu);
			assert_int_equal(w.tail_idx, idx);
		}
	assert_int_equal(vsc_qspinlock_encode_tail(2, 1), 0x000d);
}

static void test_qspinlock_format(void **state)
{
	struct vsc_qspinlock_word w;
	char buf[160];

	(void)state;
	vsc_qspinlock_decode(0x000d0101, &w);
	vsc_qspinlock_format(&w, buf, sizeof(buf));
	assert_string_equal(buf, "0x000d0101: locked, pending, tail: CPU 2 node 1");
	vsc_qspinlock_decode(0, &w);
	vsc_qspinlock_format(&w, buf, sizeof(buf));
	assert_string_equal(buf, "0x00000000: unlocked, no queue");
	vsc_qspinlock_decode(3, &w);
	vsc_qspinlock_format(&w, buf, sizeof(buf));
	assert_non_null(strstr(buf, "slow"));
	/* a tiny buffer is truncated, still terminated */
	vsc_qspinlock_format(&w, buf, 8);
	assert_int_equal(strlen(buf), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orc_v1),
		cmocka_unit_test(test_orc_v2),
		cmocka_unit_test(test_orc_v3),
		cmocka_unit_test(test_orc_v4),
		cmocka_unit_test(test_orc_version),
		cmocka_unit_test(test_orc_format),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_frame_format),
		cmocka_unit_test(test_qspinlock_decode),
		cmocka_unit_test(test_qspinlock_tail),
		cmocka_unit_test(test_qspinlock_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
