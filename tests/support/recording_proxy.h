// A TCP proxy on loopback that records every byte it carries, both ways: put between clients
// and a server, it is the test's packet capture (what anyone on the wire could read). One
// thread, plain POSIX sockets; each accepted connection gets its own connection to the target.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sc::test {

class RecordingProxy {
  public:
    // Listens on 127.0.0.1 (an ephemeral port) and forwards to 127.0.0.1:target_port.
    explicit RecordingProxy(unsigned short target_port);
    ~RecordingProxy();  // stops and closes every connection
    RecordingProxy(const RecordingProxy&) = delete;
    RecordingProxy& operator=(const RecordingProxy&) = delete;

    unsigned short port() const { return port_; }

    struct Capture {
        std::string to_server;  // what the client sent, in order
        std::string to_client;  // what the server sent
    };
    // One capture per connection accepted so far (copies; safe while the proxy runs).
    std::vector<Capture> captures() const;

  private:
    struct Pair;
    void run();

    int listener_ = -1;
    int wake_[2] = {-1, -1};
    unsigned short port_ = 0;
    unsigned short target_port_ = 0;
    mutable std::mutex mutex_;
    std::vector<Capture> captures_;
    std::thread thread_;
};

}  // namespace sc::test
