/* Fused optimizer updates: one pass over param, grad and state per rule (see tge.h). */
#include "tge.h"
