/*
 * The smallest JNI shim that gives Java a raw netlink socket (the JDK has none): open, send one
 * datagram to the kernel, receive one datagram with a timeout, close. Messages are built and
 * parsed in Java (cocaine.gateway.ipvs.GenericNetlink). Errors come back as negative errno values.
 */
#include <errno.h>
#include <jni.h>
#include <linux/netlink.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

JNIEXPORT jint JNICALL Java_cocaine_gateway_ipvs_Netlink_open(JNIEnv *env, jclass cls, jint protocol) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    return -errno;
  }
  struct sockaddr_nl local;
  memset(&local, 0, sizeof(local));
  local.nl_family = AF_NETLINK;
  if (bind(fd, (struct sockaddr *) &local, sizeof(local)) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

JNIEXPORT jint JNICALL Java_cocaine_gateway_ipvs_Netlink_send(JNIEnv *env, jclass cls, jint fd, jbyteArray message,
    jint length) {
  struct sockaddr_nl kernel;
  memset(&kernel, 0, sizeof(kernel));
  kernel.nl_family = AF_NETLINK;
  jbyte *bytes = (*env)->GetByteArrayElements(env, message, NULL);
  if (bytes == NULL) {
    return -ENOMEM;
  }
  ssize_t n;
  do {
    n = sendto(fd, bytes, (size_t) length, 0, (struct sockaddr *) &kernel, sizeof(kernel));
  } while (n < 0 && errno == EINTR);
  int e = errno;
  (*env)->ReleaseByteArrayElements(env, message, bytes, JNI_ABORT);
  return n < 0 ? -e : (jint) n;
}

JNIEXPORT jint JNICALL Java_cocaine_gateway_ipvs_Netlink_receive(JNIEnv *env, jclass cls, jint fd, jbyteArray buffer,
    jint timeoutMillis) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int ready;
  do {
    ready = poll(&p, 1, timeoutMillis);
  } while (ready < 0 && errno == EINTR);
  if (ready < 0) {
    return -errno;
  }
  if (ready == 0) {
    return -EAGAIN;
  }
  jsize size = (*env)->GetArrayLength(env, buffer);
  jbyte *bytes = (*env)->GetByteArrayElements(env, buffer, NULL);
  if (bytes == NULL) {
    return -ENOMEM;
  }
  ssize_t n;
  do {
    n = recv(fd, bytes, (size_t) size, 0);
  } while (n < 0 && errno == EINTR);
  int e = errno;
  (*env)->ReleaseByteArrayElements(env, buffer, bytes, n < 0 ? JNI_ABORT : 0);
  return n < 0 ? -e : (jint) n;
}

JNIEXPORT void JNICALL Java_cocaine_gateway_ipvs_Netlink_close(JNIEnv *env, jclass cls, jint fd) {
  close(fd);
}

JNIEXPORT jstring JNICALL Java_cocaine_gateway_ipvs_Netlink_describe(JNIEnv *env, jclass cls, jint errnum) {
  return (*env)->NewStringUTF(env, strerror(errnum));
}
