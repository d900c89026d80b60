/* SPDX-License-Identifier: MIT */
/* stub: to be written */
#include <stdlib.h>
