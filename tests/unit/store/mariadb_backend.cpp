// store_mariadb_tests runs the shared cases on MariaDB only (label mariadb).
#include "unit/store/store_fixture.h"

namespace sc::store::test {

std::vector<Backend> backends_under_test() {
    return {Backend::mariadb};
}

}  // namespace sc::store::test
