// server_friends_tests runs the friends cases on SQLite (label integration).
#include "server_friends_fixture.h"

namespace sc::test {

std::vector<FriendsBackend> friends_backends_under_test() {
    return {FriendsBackend::sqlite};
}

}  // namespace sc::test
