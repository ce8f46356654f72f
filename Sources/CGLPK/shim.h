#ifndef OPENDRS_CGLPK_SHIM_H
#define OPENDRS_CGLPK_SHIM_H
#include <glpk.h>
#endif
