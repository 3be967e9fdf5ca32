#pragma once

// The one place libpqxx is included (by the store tests' harness and tools;
// the store itself talks libpq directly, see pg_connection.hpp, for pipeline
// mode). Debian's libpqxx 6.4.5 was built without PQXX_HAVE_OPTIONAL, which
// std::optional parameters and fields need; the affected code is header
// templates, so defining it here is safe.

#ifndef PQXX_HAVE_OPTIONAL
#define PQXX_HAVE_OPTIONAL 1
#endif
#include <pqxx/pqxx>
