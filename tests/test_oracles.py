#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The oracle rules (tests/oracles.py) accept what their mechanisms explain and
still catch real differences: each tolerance is tried once where it applies and
once where it must not.  Last line "N passed, N failed"."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracles  # noqa: E402
from testlib import Results  # noqa: E402

# crash's view of a CPU in a write(2) whose stack top it scanned past the user pt_regs
SYSCALL = ["qi_submit_sync", "qi_flush_dev_iotlb", "iommu_flush_dev_iotlb", "__iommu_dma_unmap",
           "blk_mq_end_request", "vfs_write", "ksys_write", "do_syscall_64",
           "entry_SYSCALL_64_after_hwframe"]
STALE = ["ksys_write", "do_syscall_64", "ksys_write"]


def crash_ok(oracle, ours, **kw):
    return oracles.compare_crash(oracle, ours, **kw)[2] is None


def rows(names, kinds=None):
    return [{"function": n, "kind": (kinds or {}).get(i, "frame"), "stack": "task"}
            for i, n in enumerate(names)]


def console_ok(oracle, ours):
    return oracles.compare_console_stack(oracle, rows(ours))[2] is None


def main():
    r = Results()
    # ---- crash bt -a
    r.check(crash_ok(SYSCALL, SYSCALL, ours_end="user-mode"), "crash: equal lists")
    wrong = SYSCALL[:3] + ["iommu_flush_iotlb_psi"] + SYSCALL[4:]
    r.check(not crash_ok(SYSCALL, wrong, ours_end="user-mode"), "crash: a wrong middle frame fails")
    r.check(not crash_ok(SYSCALL, SYSCALL[:4] + SYSCALL[5:], ours_end="user-mode"),
            "crash: a missing middle frame fails")
    r.check(not crash_ok(SYSCALL, SYSCALL[:4] + ["x"] + SYSCALL[4:], ours_end="user-mode"),
            "crash: an extra middle frame fails")
    r.check(oracles.norm(["a.isra.0", "b.cold", "c.constprop.0.isra.0", "d.cold.2", "coldfn",
                          "e.part.1", "a"]) == ["a", "b", "c", "d", "coldfn", "e", "a"],
            "norm: clone suffixes and cold parts, names that merely contain 'cold' kept")
    r.check(crash_ok([f + ".isra.0" if i == 1 else f for i, f in enumerate(SYSCALL)], SYSCALL,
                     ours_end="user-mode"), "crash: clone suffixes are the same function")
    stale = SYSCALL[:-1] + STALE + SYSCALL[-1:]
    r.check(crash_ok(stale, SYSCALL, ours_end="user-mode"),
            "crash: stale words between do_syscall_64 and the user pt_regs, ours ends in user mode")
    r.check(not crash_ok(stale, SYSCALL, ours_end="no-orc"),
            "crash: the same stale frames fail where ours did not reach user mode")
    r.check(not crash_ok(stale[:-1], SYSCALL, ours_end="user-mode"),
            "crash: stale-words rule needs crash to end at the same syscall entry")
    r.check(not crash_ok(stale, wrong, ours_end="user-mode"),
            "crash: stale-words rule still needs every frame up to do_syscall_64")
    r.check(not crash_ok(stale, SYSCALL[:-3] + SYSCALL[-2:], ours_end="user-mode"),
            "crash: stale-words rule: a frame of ours missing before do_syscall_64 fails")
    r.check(crash_ok(["panic"] + SYSCALL, ["delay_tsc", "panic"] + SYSCALL, ours_end="user-mode",
                     panic_cpu=True), "crash: panic-loop frames on the panicking CPU")
    r.check(not crash_ok(["panic"] + SYSCALL, ["a", "b", "c", "d", "panic"] + SYSCALL,
                         ours_end="user-mode", panic_cpu=True),
            "crash: more than %d panic-loop frames fail" % oracles.PANIC_SPIN_SLACK)
    r.check(not crash_ok(["panic"] + SYSCALL, ["delay_tsc", "panic"] + SYSCALL,
                         ours_end="user-mode"), "crash: panic-loop frames only on the panicking CPU")
    bogus = SYSCALL[:3] + ["blk_mq_end_request", "ksys_write"]
    ours = SYSCALL[:3] + ["asm_sysvec_apic_timer_interrupt"] + SYSCALL[3:]
    r.check(crash_ok(bogus, ours, ours_end="user-mode", bogus_at=3),
            "crash: past a bogus exception frame its scanned frames appear in ours in order")
    r.check(not crash_ok(bogus[:3] + ["do_idle"], ours, ours_end="user-mode", bogus_at=3),
            "crash: past a bogus exception frame a function we never reach fails")
    # crash scanned a popped word (vm_area_alloc had returned into alloc_bprm)
    popped = SYSCALL[:3] + ["vm_area_alloc", "blk_mq_end_request", "ksys_write"]
    r.check(not crash_ok(popped, ours, ours_end="user-mode", bogus_at=3),
            "crash: a scanned function we never reach fails when it is not stale")
    r.check(crash_ok(popped, ours, ours_end="user-mode", bogus_at=3, stale=["vm_area_alloc"]),
            "crash: a scanned word from popped stack is left out")
    task_rows = [{"function": "asm_sysvec_apic_timer_interrupt", "stack": "task",
                  "sp": "0xffffca100037fab8"},
                 {"function": "alloc_bprm", "stack": "task", "sp": "0xffffca100037fb68",
                  "kind": "exception"},
                 {"function": "do_syscall_64", "stack": "task", "sp": "0xffffca100037fc10"},
                 {"function": "sysvec_apic_timer_interrupt", "stack": "irq",
                  "sp": "0xffffca1000003ff8"}]
    scanned = (10, [("vm_area_alloc", 0xffffca100037fb20), ("alloc_bprm", 0xffffca100037fb38),
                    ("do_syscall_64", 0xffffca100037fc08), ("page_remove_rmap", 0xffffca100037fd20)])
    r.check(oracles.stale_scanned(scanned, task_rows) == ["vm_area_alloc", "alloc_bprm"],
            "crash: stale words are those below the interrupted context's SP on their stack",
            oracles.stale_scanned(scanned, task_rows))
    both = SYSCALL[:3] + ["vm_area_alloc"] + SYSCALL[3:-1] + STALE + SYSCALL[-1:]
    r.check(crash_ok(both, ours, ours_end="user-mode", bogus_at=3, stale=["vm_area_alloc"]),
            "crash: a popped word and stale words before the user pt_regs, together")
    early = ours[:1] + ["iommu_flush_iotlb_psi"] + ours[2:]
    r.check(not crash_ok(bogus, early, ours_end="user-mode", bogus_at=3),
            "crash: a wrong frame before the bogus exception frame fails")
    # crash names the thunk's address by a linker marker: same address, same frame (rule 5)
    thunk = [{"function": "__x86_indirect_thunk_array", "pc": "0xffffffffae201580",
              "kind": "exception", "stack": "irq"},
             {"function": "handle_edge_irq", "pc": "0xffffffffad525753", "stack": "irq"}]
    crash_view = ["__indirect_thunk_start", "handle_edge_irq"]
    renamed, _ = oracles.same_address_names(crash_view, thunk,
                                            [("__indirect_thunk_start", 0xffffffffae201580)])
    r.check(crash_ok(renamed, [t["function"] for t in thunk]),
            "crash: another name at the same address is the same frame")
    renamed, _ = oracles.same_address_names(crash_view, thunk,
                                            [("__indirect_thunk_start", 0xffffffffae201588)])
    r.check(not crash_ok(renamed, [t["function"] for t in thunk]),
            "crash: another name at another address still fails")
    r.check(oracles.crash_exception_rips_from_lines(
        ["PID: 0  TASK: ffff8d97818c0000  CPU: 2    COMMAND: \"swapper/2\"",
         "    [exception RIP: __indirect_thunk_start]",
         "    RIP: ffffffffae201580  RSP: ffffd2d2c0108fa8  RFLAGS: 00000002",
         " #0 [ffffd2d2c0108fa8] handle_edge_irq at ffffffffad525753"]) ==
            {2: [("__indirect_thunk_start", 0xffffffffae201580)]},
            "crash: exception RIPs with and without an offset are read with their address")
    # ---- the kernel's NMI backtraces (printed before the dump)
    spin = ["native_queued_spin_lock_slowpath", "_raw_spin_lock", "qi_submit_sync",
            "qi_flush_iotlb", "intel_flush_iotlb_all", "fq_flush_iotlb", "fq_flush_timeout",
            "call_timer_fn", "__run_timers", "run_timer_softirq", "handle_softirqs",
            "irq_exit_rcu", "sysvec_apic_timer_interrupt"]
    r.check(console_ok(spin, spin), "console: equal lists")
    r.check(console_ok(spin, spin[2:]), "console: innermost oracle frames returned by the dump")
    r.check(console_ok(spin, ["delay_tsc", "panic"] + spin), "console: deeper at the dump")
    r.check(not console_ok(spin, spin[:6] + ["fq_ring_free"] + spin[7:]),
            "console: a wrong middle frame fails")
    r.check(not console_ok(spin, spin[:-1] + ["common_interrupt"]),
            "console: a different outermost frame fails")
    r.check(console_ok(spin[:8] + [oracles.CUT], ["delay_tsc"] + spin[2:]),
            "console: a trace cut by dropped lines, the CPU moved on below its known part")
    r.check(not console_ok(spin[:8] + [oracles.CUT], spin[:5] + ["x"] + spin[6:]),
            "console: a trace cut by dropped lines still catches a wrong middle frame")
    r.check(not console_ok(spin[:8] + [oracles.CUT], spin[:7]),
            "console: a trace cut by dropped lines: its last printed frame must be ours")
    idle = ["default_idle", "default_idle_call", "do_idle", "cpu_startup_entry",
            "start_secondary", "common_startup_64"]
    irq_on_idle = ["try_to_wake_up", "call_timer_fn", "__run_timers", "run_timer_softirq",
                   "handle_softirqs", "__irq_exit_rcu", "sysvec_apic_timer_interrupt"] + idle
    r.check(console_ok(irq_on_idle, ["pv_native_safe_halt"] + idle),
            "console: an interrupt on top of the idle loop then, halted again at the dump")
    r.check(not console_ok(irq_on_idle, ["schedule"] + idle),
            "console: interrupt on idle then, something else than the halt now fails")
    worker = ["worker_thread", "kthread", "ret_from_fork"]
    r.check(not console_ok(irq_on_idle[:7] + worker, ["pv_native_safe_halt"] + worker),
            "console: the idle rule needs the common part to reach into the idle loop")
    nmi = [{"function": "nmi_handle", "kind": "frame", "stack": "nmi"}] + rows(spin)
    r.check(oracles.compare_console_stack(spin, nmi)[2] is None,
            "console: our NMI-stack frames are not in the kernel's print")
    # ---- console log against the ring
    ring = [(i, "line %d" % i) for i in range(10)]
    cons = list(ring)
    r.check(oracles.compare_console_log(ring, cons)[0] is None, "log: every record printed")
    r.check(oracles.compare_console_log(ring, cons[:6])[0] is None,
            "log: the console behind at the dump (the ring's tail)")
    r.check(oracles.compare_console_log(ring, cons[:4] + cons[5:])[0] is not None,
            "log: a record missing in the middle fails")
    r.check(oracles.compare_console_log(ring, cons[:3] + [("dropped", 2)] + cons[5:])[0] is None,
            "log: records missing where the console announced the drop")
    r.check(oracles.compare_console_log(ring, cons[:3] + [("dropped", 1)] + cons[5:])[0] is not None,
            "log: more records missing than the console announced fails")
    r.check(oracles.compare_console_log(ring, cons[:3] + [(3, "other text")] + cons[4:])[0]
            is not None, "log: a record with other text fails")
    parsed = oracles.console_records(["[    1.000002] a  b", "** 5 printk messages dropped **",
                                      "VTDSCOPE: init", "[    2.500000] c",
                                      "VTDSCOPE: sysrq=[    3.000001] d", "w[    3.000002] e",
                                      "[    4.000000] f [    5.000000] g"])
    r.check(parsed == [(1000002, "a b"), ("dropped", 5), (2500000, "c"), (3000001, "d"),
                       (3000002, "e"), (4000000, "f [ 5.000000] g")],
            "log: console lines, drop notices, kernel lines after user text, nothing of user space",
            parsed)
    # ---- tokens, not substrings
    r.check(not oracles.has_hex_token("qw0 = 0x10000000003,", 0x10000000),
            "tokens: an offset is not found inside a longer number")
    r.check(oracles.has_hex_token("Kernel Offset: 0x10000000 from", 0x10000000),
            "tokens: the offset as a word is found")
    r.check(oracles.has_hex_token("rip ffffffff8a000123 rsp", 0xffffffff8a000123),
            "tokens: a bare 16-digit address is found")
    r.check(not oracles.has_hex_token("size 10000000 bytes", 0x10000000),
            "tokens: a bare decimal-looking word is decimal")
    r.check(not oracles.has_hex_token("sym+0x1a/0x40", 0x1a40), "tokens: offset/size are two tokens")
    print("%d passed, %d failed" % (r.passed, r.failed))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
