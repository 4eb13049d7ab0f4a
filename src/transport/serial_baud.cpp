// termios2 / BOTHER: arbitrary line rates. <asm/termbits.h> defines struct termios differently
// from glibc's <termios.h>, so this translation unit includes only the kernel header.
#include <asm/termbits.h>
#include <sys/ioctl.h>

namespace cr {

bool set_custom_baud(int fd, unsigned rate) {
    struct termios2 t2;
    if (::ioctl(fd, TCGETS2, &t2) != 0) return false;
    t2.c_cflag = (t2.c_cflag & ~CBAUD) | BOTHER;
    t2.c_cflag &= ~(CBAUD << IBSHIFT);  // input rate follows the output rate
    t2.c_ispeed = rate;
    t2.c_ospeed = rate;
    return ::ioctl(fd, TCSETS2, &t2) == 0;
}

bool get_custom_baud(int fd, unsigned* rate) {
    struct termios2 t2;
    if (::ioctl(fd, TCGETS2, &t2) != 0) return false;
    *rate = t2.c_ospeed;
    return true;
}

}  // namespace cr
