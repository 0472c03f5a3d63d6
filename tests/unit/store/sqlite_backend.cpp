// store_tests runs the shared cases on SQLite only: no server needed (label unit).
#include "unit/store/store_fixture.h"

namespace sc::store::test {

std::vector<Backend> backends_under_test() {
    return {Backend::sqlite};
}

}  // namespace sc::store::test
