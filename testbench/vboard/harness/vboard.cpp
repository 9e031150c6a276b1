// vboard.cpp: the virtual board's harness (docs/vboard.md).
//
// It clocks vboard_top (the board's snn_core and host_bridge, compiled by
// Verilator) at VB_CLK_HZ in simulated time and bridges its UART pins to a
// pseudo-terminal, so that a driver opens the pty's slave side exactly as
// it opens a real board's /dev/ttyUSB1:
//
//   - bytes the host writes to the pty are shifted into uart_rx at VB_BAUD:
//     8N1, a start bit (0), 8 data bits least significant first, a stop bit
//     (1), each DIV = round(VB_CLK_HZ / VB_BAUD) clocks, back to back;
//   - uart_tx is sampled in the middle of each bit after a falling edge,
//     and each byte with a good stop bit is written to the pty's master.
//
// The first line on stdout is "vboard: PATH" (the slave's path), flushed.
// The last, at exit, is "vboard: stopped k=v ..." with counters.
//
// Nothing is clocked while the link and the design are idle (no byte in
// flight, vboard_top's idle output high for TAIL clocks): the harness then
// sleeps in poll() until the host writes or a signal arrives.
//
// Options:
//   --trace          print every byte with its cycle on stderr
//   --exit-on-close  exit when the host closes the pty (after it had opened
//                    it); by default the harness keeps a descriptor of the
//                    slave open and runs until SIGINT or SIGTERM
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
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "Vvboard_top.h"
#include "verilated.h"

#if !defined(VB_CLK_HZ) || !defined(VB_BAUD)
#error "build with -DVB_CLK_HZ=... -DVB_BAUD=..."
#endif

namespace {

// Clocks per bit, rounded as uart_rx.v and uart_tx.v round it.
constexpr uint64_t kDiv = (uint64_t(VB_CLK_HZ) + uint64_t(VB_BAUD) / 2) / uint64_t(VB_BAUD);
static_assert(kDiv >= 4, "CLK_HZ / BAUD must be at least 4");

// Clocks the design must stay idle, with nothing in flight, before the
// harness stops clocking: two byte times.
constexpr uint64_t kTail = 20 * kDiv;
// Clocks run between two looks at the pty while there is work.
constexpr uint64_t kBatch = 4096;
// Bytes read from the host and not yet shifted in: beyond this the harness
// stops reading and the pty's own buffer holds the host back.
constexpr size_t kRxMax = 1 << 16;
// Bytes of the board not yet taken by the host: beyond this they are
// dropped (and counted), as a real USB bridge drops them when nobody reads.
constexpr size_t kTxMax = 1 << 20;
// Clocks run before the port is announced: vboard_top holds its reset for
// the first 16.
constexpr uint64_t kResetClocks = 32;

int sig_pipe[2] = {-1, -1};
volatile sig_atomic_t stop_signal = 0;

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
};

[[noreturn]] void die(const char* what) {
    fprintf(stderr, "vboard: %s: %s\n", what, strerror(errno));
    exit(1);
}

}  // namespace

int main(int argc, char** argv) {
    bool trace = false, exit_on_close = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--trace") == 0) {
            trace = true;
        } else if (strcmp(argv[i], "--exit-on-close") == 0) {
            exit_on_close = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s [--trace] [--exit-on-close]\n"
                   "The virtual board: snn_core and host_bridge at %llu Hz, UART at %llu baud (%llu clocks a bit) on a pseudo-terminal.\n",
                   argv[0], (unsigned long long)VB_CLK_HZ, (unsigned long long)VB_BAUD, (unsigned long long)kDiv);
            return 0;
        } else {
            fprintf(stderr, "vboard: unknown option %s (allowed: --trace, --exit-on-close)\n", argv[i]);
            return 2;
        }
    }

    // The pseudo-terminal, raw both ways: no echo, no CR/LF translation,
    // no flow control characters, no signals, 8 bits.
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) die("posix_openpt");
    if (grantpt(master) != 0) die("grantpt");
    if (unlockpt(master) != 0) die("unlockpt");
    const char* slave_name = ptsname(master);
    if (slave_name == nullptr) die("ptsname");
    std::string slave_path(slave_name);
    termios tio;
    if (tcgetattr(master, &tio) != 0) die("tcgetattr");
    cfmakeraw(&tio);
    if (tcsetattr(master, TCSANOW, &tio) != 0) die("tcsetattr");
    if (fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) != 0) die("fcntl");
    // Without --exit-on-close the harness holds the slave open itself, so
    // the master never sees a hang-up between two users of the port.
    int slave_hold = -1;
    if (!exit_on_close) {
        slave_hold = open(slave_path.c_str(), O_RDWR | O_NOCTTY);
        if (slave_hold < 0) die("open the pty slave");
    }

    if (pipe(sig_pipe) != 0) die("pipe");
    fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
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
    top->clk = 0;
    top->uart_rx = 1;
    top->eval();

    // The reset, before the port is announced: a byte the host sends at
    // once must find the UART out of reset. uart_tx idles high from here.
    for (uint64_t i = 0; i < kResetClocks; i++) {
        top->clk = 1;
        top->eval();
        top->clk = 0;
        top->eval();
    }
    uint64_t cycles = kResetClocks;
    int tx_prev = top->uart_tx;  // a falling edge needs a 1 first

    printf("vboard: %s\n", slave_path.c_str());
    fflush(stdout);
    fprintf(stderr, "vboard: %s: core clock %llu Hz, %llu baud (%llu clocks a bit)\n", slave_path.c_str(),
            (unsigned long long)VB_CLK_HZ, (unsigned long long)VB_BAUD, (unsigned long long)kDiv);

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
    bool hup_wait = false;  // exit_on_close: no one has the slave open yet

    while (!stop_signal) {
        const bool work = rx_bit >= 0 || !rxq.empty() || tx_bit >= 0 || quiet < kTail;

        pollfd fds[2];
        fds[0] = {sig_pipe[0], POLLIN, 0};
        short ev = 0;
        if (rxq.size() < kRxMax) ev |= POLLIN;
        if (!txq.empty()) ev |= POLLOUT;
        fds[1] = {hup_wait ? -1 : master, ev, 0};
        int timeout = work ? 0 : -1;
        if (hup_wait && !work) timeout = 20;  // look again for the host's open
        hup_wait = false;
        int n = poll(fds, 2, timeout);
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
        if (fds[1].fd >= 0 && !(re & POLLHUP)) connected = true;
        if (re & POLLIN) {
            uint8_t buf[4096];
            ssize_t k = read(master, buf, sizeof buf);
            if (k > 0) {
                rxq.push(buf, size_t(k));
                rx_bytes += uint64_t(k);
                connected = true;
                if (trace)
                    for (ssize_t i = 0; i < k; i++)
                        fprintf(stderr, "vboard: cycle %llu: host wrote 0x%02x\n", (unsigned long long)cycles, buf[i]);
            } else if (k < 0 && errno != EAGAIN && errno != EINTR && errno != EIO) {
                die("read the pty");
            }
        }
        if ((re & POLLOUT) && !txq.empty()) {
            ssize_t k = write(master, txq.data(), txq.size());
            if (k > 0) {
                txq.drop(size_t(k));
            } else if (k < 0 && errno != EAGAIN && errno != EINTR && errno != EIO) {
                die("write the pty");
            }
        }
        if (re & POLLHUP) {
            if (exit_on_close && connected) break;  // the host closed the port
            hup_wait = true;  // nobody has the slave open: board output is lost
            if (!txq.empty()) {
                tx_dropped += txq.size();
                txq.drop(txq.size());
            }
        }
        if (!work) continue;

        // Run up to kBatch clocks, and stop early once everything is idle.
        const double t0 = now_seconds();
        for (uint64_t i = 0; i < kBatch; i++) {
            if (rx_bit < 0 && !rxq.empty()) {
                rx_byte = rxq.pop();
                rx_bit = 0;
                rx_left = kDiv;
            }
            top->uart_rx = rx_bit < 0 ? 1 : rx_bit == 0 ? 0 : rx_bit <= 8 ? (rx_byte >> (rx_bit - 1)) & 1 : 1;
            top->clk = 1;
            top->eval();
            top->clk = 0;
            top->eval();
            cycles++;
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
                        if (txq.size() < kTxMax) {
                            txq.push(&tx_byte, 1);
                        } else {
                            tx_dropped++;
                        }
                        tx_bytes++;
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
            if (top->idle && rx_bit < 0 && rxq.empty() && tx_bit < 0) {
                if (++quiet >= kTail) break;
            } else {
                quiet = 0;
            }
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
    close(master);
    return 0;
}
