// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue

// The cgo settings every file of the package shares. pkg-config finds
// libnfqueue: an installed one, or the in-tree build with
// PKG_CONFIG_PATH=$BUILD/meson-uninstalled (see the README).

/*
#cgo pkg-config: libnfqueue
#include "glue.h"
*/
import "C"
