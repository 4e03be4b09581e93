/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The engine's own products (VSC_PRODUCT_STACKS, VSC_PRODUCT_LOG). */
#ifndef VTDSCOPE_ANALYSIS_PRODUCTS_H
#define VTDSCOPE_ANALYSIS_PRODUCTS_H

#include <vtdscope/analyzer.h>

/* The declaration of engine product @key, or NULL. */
const struct vsc_product_kind *vsc_engine_product(const char *key);

#endif
