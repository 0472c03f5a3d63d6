// The transport policy of the MariaDB backend (review L7): TLS with verification of the server's
// certificate when configured, and refusal of a cleartext connection to a host that is not local.
#pragma once

#include "store/account_store.h"

struct st_mysql;  // MYSQL, from <mysql.h>

namespace sc::store {

// True for a unix socket, "localhost", 127.0.0.0/8 and ::1: traffic that never leaves the machine.
bool is_local_database(const MariaDbConfig& config);

// Refuses, with the settings to change, a non-local host without tls_ca unless the operator set
// allow_cleartext_remote; also refuses a tls_ca file that does not exist.
Result<bool, StoreError> check_transport_policy(const MariaDbConfig& config);

// With tls_ca set: TLS only (MYSQL_OPT_SSL_ENFORCE), the CA file, and verification of the
// server's certificate and name (MYSQL_OPT_SSL_VERIFY_SERVER_CERT). Nothing otherwise.
Result<bool, StoreError> apply_tls_options(st_mysql* conn, const MariaDbConfig& config);

}  // namespace sc::store
