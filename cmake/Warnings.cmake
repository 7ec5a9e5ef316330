# Warnings as an INTERFACE target, linked PRIVATE by our own targets only: consumers of the
# installed package never inherit our flags.
add_library(replicate_warnings INTERFACE)
target_compile_options(replicate_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
    # Partial aggregate initialisation ({Type::text, 20}) is intended: the rest defaults.
    -Wno-missing-field-initializers>)
