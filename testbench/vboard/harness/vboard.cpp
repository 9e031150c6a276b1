// vboard.cpp: the virtual board's harness (docs/vboard.md).
//
// It clocks vboard_top (the board's snnc_system: snn_core and the link of
// docs/protocol.md, compiled by Verilator) at VB_CLK_HZ in simulated time
// and drives the link's pins from the host's bytes. Which link is fixed at
// build time, as in the bitstream (LINK_SPI):
//
// UART (VB_SPI=0): the pins are bridged to a pseudo-terminal, so that a
// driver opens the pty's slave side exactly as it opens a real board's
// /dev/ttyUSB1:
//   - bytes the host writes to the pty are shifted into uart_rx at VB_BAUD:
//     8N1, a start bit (0), 8 data bits least significant first, a stop bit
//     (1), each DIV = round(VB_CLK_HZ / VB_BAUD) clocks, back to back;
//   - uart_tx is sampled in the middle of each bit after a falling edge,
//     and each byte with a good stop bit is written to the pty's master.
//
// SPI (VB_SPI=1): the harness is the SPI controller and listens on a Unix
// stream socket; every byte a host writes to the socket is one SPI byte,
// and the byte clocked in meanwhile is written back (a transaction is
// "write n bytes, read n bytes"):
//   - mode 0, MSB first: SCLK idles low, MOSI changes on the falling edge
//     and MISO is sampled at the rising edge; SCLK = VB_CLK_HZ / VB_SPI_DIV
//     (the fastest docs/protocol.md allows), VB_SPI_DIV/2 clocks low and
//     VB_SPI_DIV/2 high;
//   - CS falls VB_SPI_DIV clocks before the first rising edge, bytes
//     follow each other without a gap while the host's bytes last, and CS
//     rises VB_SPI_DIV/2 clocks after the last falling edge and stays high
//     at least VB_SPI_DIV clocks. The socket has no chip select: CS is low
//     while there are bytes to clock (the protocol ignores CS).
// One host at a time: a second connection is closed at once.
//
// The first line on stdout is "vboard: PATH" (the pty's slave, or the
// socket), flushed. The last, at exit, is "vboard: stopped k=v ..." with
// counters.
//
// Nothing is clocked while the link and the design are idle (no byte in
// flight, vboard_top's idle output high for TAIL clocks): the harness then
// sleeps in poll() until the host writes or a signal arrives. On SPI, the
// board waits for SCLK to send anything, so nothing is clocked either
// while no host is connected.
//
// Options:
//   --trace          print every byte with its cycle on stderr
//   --exit-on-close  exit when the host closes the port (after it had opened
//                    it); by default the harness keeps the port for the next
//                    host (UART: it holds a descriptor of the pty's slave)
//                    and runs until SIGINT, SIGTERM or SIGHUP
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "Vvboard_top.h"
#include "verilated.h"

#if !defined(VB_CLK_HZ) || !defined(VB_BAUD)
#error "build with -DVB_CLK_HZ=... -DVB_BAUD=..."
#endif
#ifndef VB_SPI
#define VB_SPI 0
#endif
#ifndef VB_SPI_DIV
#define VB_SPI_DIV 8
#endif

namespace {

constexpr bool kSpi = VB_SPI != 0;

// Clocks per UART bit, rounded as uart_rx.v and uart_tx.v round it.
constexpr uint64_t kDiv = (uint64_t(VB_CLK_HZ) + uint64_t(VB_BAUD) / 2) / uint64_t(VB_BAUD);
static_assert(kSpi || kDiv >= 4, "CLK_HZ / BAUD must be at least 4");

// Clocks per SCLK period, and half of it.
constexpr uint32_t kSpiDiv = VB_SPI_DIV;
constexpr uint32_t kSpiHalf = kSpiDiv / 2;
static_assert(kSpiDiv >= 2 && kSpiDiv % 2 == 0, "VB_SPI_DIV must be even");

// Clocks the design must stay idle, with nothing in flight, before the
// harness stops clocking: two byte times of the link.
constexpr uint64_t kTail = kSpi ? 16 * kSpiDiv : 20 * kDiv;
// Clocks run between two looks at the host while there is work: kBatch
// while the host's bytes are being shifted in, kLook while the design runs
// on its own (a step, an answer waiting for SCLK) and the host may write
// any moment: a byte must not wait a whole batch for the harness to look.
// A poll() costs about a microsecond, kLook clocks about 150.
constexpr uint64_t kBatch = 4096;
constexpr uint64_t kLook = 512;
// Bytes read from the host and not yet shifted in: beyond this the harness
// stops reading and the pty's or socket's own buffer holds the host back.
constexpr size_t kRxMax = 1 << 16;
// Bytes of the board not yet taken by the host: beyond this they are
// dropped (and counted), as a real USB bridge drops them when nobody reads.
constexpr size_t kTxMax = 1 << 20;
// Clocks run before the port is announced: vboard_top holds its reset for
// the first 16.
constexpr uint64_t kResetClocks = 32;

int sig_pipe[2] = {-1, -1};
volatile sig_atomic_t stop_signal = 0;

// The SPI socket and its directory, removed at exit.
std::string sock_path, sock_dir;

void cleanup() {
    if (!sock_path.empty()) unlink(sock_path.c_str());
    if (!sock_dir.empty()) rmdir(sock_dir.c_str());
}

void on_signal(int sig) {
    stop_signal = sig;
    char c = 0;
    ssize_t n = write(sig_pipe[1], &c, 1);
    (void)n;
}

double now_seconds() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double cpu_seconds() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// A byte queue: push at the back, take from the front.
struct Queue {
    std::vector<uint8_t> buf;
    size_t head = 0;
    bool empty() const { return head == buf.size(); }
    size_t size() const { return buf.size() - head; }
    void push(const uint8_t* p, size_t n) { buf.insert(buf.end(), p, p + n); }
    uint8_t pop() { return buf[head++]; }
    const uint8_t* data() const { return buf.data() + head; }
    void drop(size_t n) {
        head += n;
        if (head == buf.size()) {
            buf.clear();
            head = 0;
        } else if (head > (1 << 16) && head > buf.size() / 2) {
            buf.erase(buf.begin(), buf.begin() + long(head));
            head = 0;
        }
    }
    void clear() { drop(size()); }
};

[[noreturn]] void die(const char* what) {
    fprintf(stderr, "vboard: %s: %s\n", what, strerror(errno));
    cleanup();
    exit(1);
}

void set_nonblock(int fd) {
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) die("fcntl");
}

// The SPI controller's pins, driven one core clock at a time.
struct SpiController {
    enum State { kIdle, kLead, kLow, kHigh, kTrail, kGap };
    State st = kIdle;
    uint32_t left = 0;  // clocks left in this state
    int bit = 0;        // the bit on MOSI, 7..0
    uint8_t out = 0;    // the byte clocked out
    uint8_t in = 0;     // the bits clocked in so far
    uint8_t sck = 0, cs_n = 1, mosi = 0;

    bool busy() const { return st != kIdle; }

    void start(uint8_t b) {
        out = b;
        in = 0;
        bit = 7;
        mosi = (b >> 7) & 1;
    }

    // step sets the pins for the coming clock; miso is the pin as the
    // last clock left it. It returns true when a byte is complete, with
    // the byte clocked in in *got. next gives the host's next byte, if
    // there is one.
    template <typename Next>
    bool step(uint8_t miso, Next next, uint8_t* got) {
        bool done = false;
        if (left == 0) {
            switch (st) {
                case kIdle:
                    break;
                case kLead:
                case kLow:  // rising edge: the controller samples MISO
                    in = uint8_t(in << 1 | (miso & 1));
                    sck = 1;
                    st = kHigh;
                    left = kSpiHalf;
                    break;
                case kHigh:  // falling edge: MOSI moves on
                    sck = 0;
                    if (bit > 0) {
                        bit--;
                        mosi = (out >> bit) & 1;
                        st = kLow;
                        left = kSpiHalf;
                        break;
                    }
                    *got = in;
                    done = true;
                    {
                        int b = next();
                        if (b >= 0) {
                            start(uint8_t(b));
                            st = kLow;
                            left = kSpiHalf;
                        } else {
                            st = kTrail;
                            left = kSpiHalf;
                        }
                    }
                    break;
                case kTrail:
                    cs_n = 1;
                    mosi = 0;
                    st = kGap;
                    left = kSpiDiv;
                    break;
                case kGap:
                    st = kIdle;
                    break;
            }
            if (st == kIdle) {
                int b = next();
                if (b >= 0) {
                    start(uint8_t(b));
                    cs_n = 0;
                    st = kLead;
                    left = kSpiDiv;
                }
            }
        }
        if (left > 0) left--;
        return done;
    }
};

}  // namespace

int main(int argc, char** argv) {
    bool trace = false, exit_on_close = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--trace") == 0) {
            trace = true;
        } else if (strcmp(argv[i], "--exit-on-close") == 0) {
            exit_on_close = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            if (kSpi) {
                printf("usage: %s [--trace] [--exit-on-close]\n"
                       "The virtual board: snn_core and the SPI link at %llu Hz, SCLK %llu Hz (mode 0), on a Unix socket.\n",
                       argv[0], (unsigned long long)VB_CLK_HZ, (unsigned long long)(VB_CLK_HZ / kSpiDiv));
            } else {
                printf("usage: %s [--trace] [--exit-on-close]\n"
                       "The virtual board: snn_core and the UART link at %llu Hz, %llu baud (%llu clocks a bit), on a pseudo-terminal.\n",
                       argv[0], (unsigned long long)VB_CLK_HZ, (unsigned long long)VB_BAUD, (unsigned long long)kDiv);
            }
            return 0;
        } else {
            fprintf(stderr, "vboard: unknown option %s (allowed: --trace, --exit-on-close)\n", argv[i]);
            return 2;
        }
    }

    // host: the descriptor bytes come from and go to (the pty's master, or
    // the connected socket; -1 while no host is connected on SPI).
    int host = -1, listener = -1, slave_hold = -1;
    std::string port_path;
    if (kSpi) {
        const char* tmp = getenv("TMPDIR");
        std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/vboard-XXXXXX";
        std::vector<char> dir(tmpl.begin(), tmpl.end());
        dir.push_back(0);
        if (mkdtemp(dir.data()) == nullptr) die("mkdtemp");
        sock_dir = dir.data();
        port_path = sock_dir + "/spi.sock";
        sockaddr_un addr;
        memset(&addr, 0, sizeof addr);
        addr.sun_family = AF_UNIX;
        if (port_path.size() >= sizeof addr.sun_path) {
            errno = ENAMETOOLONG;
            die(("socket path " + port_path).c_str());
        }
        memcpy(addr.sun_path, port_path.c_str(), port_path.size() + 1);
        listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listener < 0) die("socket");
        if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind");
        sock_path = port_path;
        if (listen(listener, 4) != 0) die("listen");
        set_nonblock(listener);
    } else {
        // The pseudo-terminal, raw both ways: no echo, no CR/LF translation,
        // no flow control characters, no signals, 8 bits.
        host = posix_openpt(O_RDWR | O_NOCTTY);
        if (host < 0) die("posix_openpt");
        if (grantpt(host) != 0) die("grantpt");
        if (unlockpt(host) != 0) die("unlockpt");
        const char* slave_name = ptsname(host);
        if (slave_name == nullptr) die("ptsname");
        port_path = slave_name;
        termios tio;
        if (tcgetattr(host, &tio) != 0) die("tcgetattr");
        cfmakeraw(&tio);
        if (tcsetattr(host, TCSANOW, &tio) != 0) die("tcsetattr");
        set_nonblock(host);
        // Without --exit-on-close the harness holds the slave open itself,
        // so the master never sees a hang-up between two users of the port.
        if (!exit_on_close) {
            slave_hold = open(port_path.c_str(), O_RDWR | O_NOCTTY);
            if (slave_hold < 0) die("open the pty slave");
        }
    }

    if (pipe(sig_pipe) != 0) die("pipe");
    set_nonblock(sig_pipe[0]);
    set_nonblock(sig_pipe[1]);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    auto ctx = std::make_unique<VerilatedContext>();
    ctx->commandArgs(argc, argv);
    auto top = std::make_unique<Vvboard_top>(ctx.get());
    SpiController spi;
    top->clk = 0;
    top->uart_rx = 1;
    top->spi_sck = spi.sck;
    top->spi_cs_n = spi.cs_n;
    top->spi_mosi = spi.mosi;
    top->eval();

    // The reset, before the port is announced: a byte the host sends at
    // once must find the link out of reset. uart_tx idles high from here.
    for (uint64_t i = 0; i < kResetClocks; i++) {
        top->clk = 1;
        top->eval();
        top->clk = 0;
        top->eval();
    }
    uint64_t cycles = kResetClocks;
    int tx_prev = top->uart_tx;  // a falling edge needs a 1 first

    printf("vboard: %s\n", port_path.c_str());
    fflush(stdout);
    if (kSpi) {
        fprintf(stderr, "vboard: %s: core clock %llu Hz, SPI peripheral, SCLK %llu Hz (mode 0, %u clocks a bit)\n",
                port_path.c_str(), (unsigned long long)VB_CLK_HZ, (unsigned long long)(VB_CLK_HZ / kSpiDiv), kSpiDiv);
    } else {
        fprintf(stderr, "vboard: %s: core clock %llu Hz, %llu baud (%llu clocks a bit)\n", port_path.c_str(),
                (unsigned long long)VB_CLK_HZ, (unsigned long long)VB_BAUD, (unsigned long long)kDiv);
    }

    Queue rxq, txq;  // host → board, board → host
    uint64_t rx_bytes = 0, tx_bytes = 0, tx_dropped = 0, tx_ferr = 0;
    double clocked = 0;  // wall seconds spent clocking
    const double t_start = now_seconds();

    // uart_rx driver: the byte on the line and its bit (-1: line idle).
    int rx_bit = -1;
    uint64_t rx_left = 0;
    uint8_t rx_byte = 0;
    // uart_tx sampler: the bit being received (-1: waiting for a start bit).
    int tx_bit = -1;
    uint64_t tx_left = 0;
    uint8_t tx_byte = 0;
    uint64_t quiet = 0;  // clocks idle with nothing in flight
    bool connected = !exit_on_close;
    bool hup_wait = false;  // UART, exit_on_close: no one has the slave open yet

    // A byte from the board: to the host, or dropped if none takes it.
    auto board_byte = [&](uint8_t b) {
        tx_bytes++;
        if (host >= 0 && txq.size() < kTxMax) {
            txq.push(&b, 1);
        } else {
            tx_dropped++;
        }
    };
    // The SPI host left: what it wrote and has not been clocked is dropped
    // (its transaction is over), as is what the board clocked out for it.
    auto spi_hangup = [&]() {
        close(host);
        host = -1;
        rxq.clear();
        tx_dropped += txq.size();
        txq.clear();
    };

    while (!stop_signal) {
        const bool in_flight = kSpi ? spi.busy() : (rx_bit >= 0 || tx_bit >= 0);
        // On SPI nothing happens without a host to clock SCLK: the board is
        // left as it is until the next one connects.
        const bool work = in_flight || ((!kSpi || host >= 0) && (!rxq.empty() || quiet < kTail));

        pollfd fds[3];
        fds[0] = {sig_pipe[0], POLLIN, 0};
        short ev = 0;
        if (rxq.size() < kRxMax) ev |= POLLIN;
        if (!txq.empty()) ev |= POLLOUT;
        fds[1] = {hup_wait ? -1 : host, ev, 0};
        fds[2] = {listener, POLLIN, 0};
        int timeout = work ? 0 : -1;
        if (hup_wait && !work) timeout = 20;  // look again for the host's open
        hup_wait = false;
        int n = poll(fds, 3, timeout);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if (fds[0].revents & POLLIN) {
            char buf[16];
            while (read(sig_pipe[0], buf, sizeof buf) > 0) {
            }
        }
        const short re = fds[1].fd < 0 ? 0 : fds[1].revents;
        if (!kSpi && fds[1].fd >= 0 && !(re & POLLHUP)) connected = true;
        bool hangup = false;
        if (re & POLLIN) {
            uint8_t buf[4096];
            ssize_t k = read(host, buf, sizeof buf);
            if (k > 0) {
                rxq.push(buf, size_t(k));
                connected = true;
                if (trace && !kSpi)
                    for (ssize_t i = 0; i < k; i++)
                        fprintf(stderr, "vboard: cycle %llu: host wrote 0x%02x\n", (unsigned long long)cycles, buf[i]);
            } else if (kSpi && (k == 0 || (errno != EAGAIN && errno != EINTR))) {
                hangup = true;  // the host closed the socket (or it broke)
            } else if (k < 0 && errno != EAGAIN && errno != EINTR && errno != EIO) {
                die("read the pty");
            }
        }
        if (!hangup && (re & POLLOUT) && !txq.empty()) {
            ssize_t k = write(host, txq.data(), txq.size());
            if (k > 0) {
                txq.drop(size_t(k));
            } else if (kSpi && k < 0 && errno != EAGAIN && errno != EINTR) {
                hangup = true;
            } else if (k < 0 && errno != EAGAIN && errno != EINTR && errno != EIO) {
                die("write the pty");
            }
        }
        if (kSpi && (hangup || ((re & (POLLHUP | POLLERR)) && !(re & POLLIN)))) {
            spi_hangup();
            if (exit_on_close) break;
        }
        // A new host after the old one's hang-up: a host that closes and
        // reconnects at once must find the port free.
        if (fds[2].fd >= 0 && (fds[2].revents & POLLIN)) {
            int c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (c >= 0 && host >= 0) {
                fprintf(stderr, "vboard: a second host connected to %s while one is connected; closed it\n", port_path.c_str());
                close(c);
            } else if (c >= 0) {
                host = c;
                connected = true;
                continue;  // poll the new host
            } else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
                die("accept");
            }
        }
        if (!kSpi && (re & POLLHUP)) {
            if (exit_on_close && connected) break;  // the host closed the port
            hup_wait = true;  // nobody has the slave open: board output is lost
            if (!txq.empty()) {
                tx_dropped += txq.size();
                txq.clear();
            }
        }
        if (!work) continue;

        // Run up to kBatch clocks (kLook when no host byte is in flight),
        // and stop early once everything is idle or, on SPI, once the
        // host's bytes are all clocked (its transaction waits for the
        // answer).
        const double t0 = now_seconds();
        for (uint64_t i = 0; i < kBatch; i++) {
            if (i >= kLook && rxq.empty() && !(kSpi ? spi.busy() : rx_bit >= 0)) break;
            bool answered = false;
            if (kSpi) {
                uint8_t got = 0;
                uint8_t sent = spi.out;
                auto next = [&]() -> int { return host >= 0 && !rxq.empty() ? int(rxq.pop()) : -1; };
                if (spi.step(top->spi_miso, next, &got)) {
                    rx_bytes++;
                    board_byte(got);
                    if (trace)
                        fprintf(stderr, "vboard: cycle %llu: host clocked 0x%02x, board 0x%02x\n", (unsigned long long)cycles,
                                sent, got);
                    answered = rxq.empty();
                }
                top->spi_sck = spi.sck;
                top->spi_cs_n = spi.cs_n;
                top->spi_mosi = spi.mosi;
            } else {
                if (rx_bit < 0 && !rxq.empty()) {
                    rx_byte = rxq.pop();
                    rx_bytes++;
                    rx_bit = 0;
                    rx_left = kDiv;
                }
                top->uart_rx = rx_bit < 0 ? 1 : rx_bit == 0 ? 0 : rx_bit <= 8 ? (rx_byte >> (rx_bit - 1)) & 1 : 1;
            }
            top->clk = 1;
            top->eval();
            top->clk = 0;
            top->eval();
            cycles++;
            if (!kSpi) {
                if (rx_bit >= 0 && --rx_left == 0) {
                    rx_left = kDiv;
                    if (++rx_bit == 10) rx_bit = -1;  // the stop bit is over
                }
                const int tx = top->uart_tx;
                if (tx_bit < 0) {
                    if (tx_prev == 1 && tx == 0) {
                        tx_bit = 0;  // a start bit began this clock
                        tx_left = kDiv / 2;
                        tx_byte = 0;
                    }
                } else if (--tx_left == 0) {
                    tx_left = kDiv;
                    if (tx_bit == 0) {
                        if (tx != 0) tx_bit = -2;  // a glitch, not a start bit
                    } else if (tx_bit <= 8) {
                        tx_byte |= uint8_t(tx << (tx_bit - 1));
                    } else {
                        if (tx == 1) {
                            board_byte(tx_byte);
                            if (trace)
                                fprintf(stderr, "vboard: cycle %llu: board sent 0x%02x\n", (unsigned long long)cycles, tx_byte);
                        } else {
                            tx_ferr++;
                            fprintf(stderr, "vboard: cycle %llu: uart_tx framing error (stop bit 0)\n", (unsigned long long)cycles);
                        }
                        tx_bit = -2;
                    }
                    tx_bit = tx_bit == -2 ? -1 : tx_bit + 1;
                }
                tx_prev = tx;
            }
            const bool pins_idle = kSpi ? !spi.busy() : (rx_bit < 0 && tx_bit < 0);
            if (top->idle && pins_idle && rxq.empty()) {
                if (++quiet >= kTail) break;
            } else {
                quiet = 0;
            }
            if (answered) break;
        }
        clocked += now_seconds() - t0;
    }

    top->final();
    const double wall = now_seconds() - t_start;
    printf("vboard: stopped cycles=%llu simulated_seconds=%.6f clocked_seconds=%.6f wall_seconds=%.3f cpu_seconds=%.3f "
           "host_bytes=%llu board_bytes=%llu board_bytes_dropped=%llu framing_errors=%llu\n",
           (unsigned long long)cycles, double(cycles) / double(VB_CLK_HZ), clocked, wall, cpu_seconds(),
           (unsigned long long)rx_bytes, (unsigned long long)tx_bytes, (unsigned long long)tx_dropped,
           (unsigned long long)tx_ferr);
    fflush(stdout);
    if (slave_hold >= 0) close(slave_hold);
    if (host >= 0) close(host);
    if (listener >= 0) close(listener);
    cleanup();
    return 0;
}
