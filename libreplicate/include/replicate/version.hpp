#pragma once
/// \file version.hpp
namespace replicate {
/// The library version, "MAJOR.MINOR.PATCH".
const char* version();
}  // namespace replicate
