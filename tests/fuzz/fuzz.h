/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the libFuzzer harnesses (clang, -fsanitize=fuzzer) and the replay
 * driver that runs the same LLVMFuzzerTestOneInput() on saved inputs in the
 * normal (gcc) build.  Each harness calls the engine's own entry points.
 */
#ifndef VTDSCOPE_FUZZ_H
#define VTDSCOPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An anonymous in-memory file holding @size bytes of @data, or -1. */
static inline int fuzz_memfd(const char *name, const void *data, size_t size)
{
	const unsigned char *p = data;
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	while (size) {
		ssize_t n = write(fd, p, size);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		size -= (size_t)n;
	}
	return fd;
}

#endif
