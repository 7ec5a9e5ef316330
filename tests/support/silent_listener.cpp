// A TCP listener on 127.0.0.1 that accepts connections and never answers: a database host
// that does not respond, for connect-timeout tests. Prints its port, runs for N seconds.
// Usage: silent_listener SECONDS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

int main(int argc, char** argv) {
    const int seconds = argc > 1 ? std::atoi(argv[1]) : 60;
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;  // any free port
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0) {
        std::perror("silent_listener");
        return 1;
    }
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    std::printf("%d\n", ntohs(addr.sin_port));
    std::fflush(stdout);
    // Accepted connections are kept open and never written to, until the time is up.
    std::vector<int> held;
    const std::time_t end = std::time(nullptr) + seconds;
    timeval tv{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (std::time(nullptr) < end) {
        const int c = accept(fd, nullptr, nullptr);
        if (c >= 0) held.push_back(c);
    }
    for (int c : held) close(c);
    close(fd);
    return 0;
}
