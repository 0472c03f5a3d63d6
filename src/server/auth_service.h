// Password checks off the I/O threads, as a connection uses them: one submit() checks the
// kind's queue, runs the job on a worker of the pool, and posts the outcome back to the
// caller's strand; refusal() says what the client is told for an account failure. The
// throttles (login_throttle.h, budgets.h) are the caller's, consulted before it submits.
#pragma once

#include <asio.hpp>

#include <functional>
#include <string>

#include "proto/errors.h"
#include "server/auth_pool.h"
#include "store/accounts.h"

namespace sc::server {

struct AuthRefusal {
    proto::ErrorCode code;
    std::string message;  // for the client: says what it can act on, never database details
};

class AuthService {
  public:
    using Outcome = store::AuthResult<store::Account>;
    using Job = std::function<Outcome()>;       // runs on a worker
    using Then = std::function<void(Outcome)>;  // runs on the strand given to submit()

    explicit AuthService(AuthPool& workers) : workers_(workers) {}

    // False when that kind's queue is full (or the pool stopped): neither runs, and the caller
    // answers busy(). Whatever `job` and `then` capture lives until `then` has run, or until
    // the pool drops the job (graceful stop).
    bool submit(AuthPool::Kind kind, asio::any_io_executor strand, Job job, Then then);

    // Unknown user and wrong password share one answer, and so do "name taken" and "email
    // taken" (L5): neither a login nor a registration reveals who exists. A disabled account
    // is named as such, because Accounts::login says so only to the right password.
    static AuthRefusal refusal(const store::AuthError& error);
    static AuthRefusal busy();

  private:
    AuthPool& workers_;
};

}  // namespace sc::server
