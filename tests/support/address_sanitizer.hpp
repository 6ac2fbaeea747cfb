// MLP_UNDER_ADDRESS_SANITIZER is defined when this file is compiled with AddressSanitizer
// (scripts/test --sanitize): GCC says __SANITIZE_ADDRESS__, clang __has_feature(address_sanitizer).
// Tests that limit a process's address space (`prlimit --as`) need it: the sanitizer's shadow
// memory takes terabytes of address space.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define MLP_UNDER_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLP_UNDER_ADDRESS_SANITIZER 1
#endif
#endif
