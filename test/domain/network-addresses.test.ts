// Where a webhook may be delivered: every range API.md refuses, in every spelling an address can
// take (IPv4 in decimal, octal, hex and short forms; IPv6 compressed, mapped, NAT64, 6to4).
import { describe, expect, it } from 'vitest'
import { classifyAddress, parseIpv4 } from '../../src/domain/network-addresses.ts'

describe('classifyAddress', () => {
  // guards: SSRF to internal services through a webhook URL
  it.each([
    // IPv4, one per refused range, at both ends where it matters
    ['0.0.0.0', 'unspecified'],
    ['0.255.255.255', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    // the neighbours of those ranges are public
    ['1.1.1.1', 'public'],
    ['9.255.255.255', 'public'],
    ['11.0.0.0', 'public'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['126.255.255.255', 'public'],
    ['128.0.0.0', 'public'],
    ['169.253.255.255', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.0.1.1', 'public'],
    ['192.0.2.1', 'public'],
    ['192.167.255.255', 'public'],
    ['198.17.255.255', 'public'],
    ['198.20.0.0', 'public'],
    ['223.255.255.255', 'public'],
    ['93.184.216.34', 'public'],
    // IPv4 in the forms inet_aton (and the URL parser) accept
    ['2130706433', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['0x7f.0.0.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['127.1', 'loopback'],
    ['10.1', 'private'],
    ['3232235777', 'private'],
    ['017700000001', 'loopback'],
    ['0', 'unspecified'],
    ['0x', 'unspecified'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['ff05::2', 'multicast'],
    ['2606:4700:4700::1111', 'public'],
    ['2001:db8::1', 'public'],
    ['fec0::1', 'public'],
    // IPv4 inside IPv6
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b:1::10.0.0.1', 'private'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:808:808::1', 'public'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected)
  })

  it.each([
    'example.com',
    'localhost',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.256',
    '08.0.0.1',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7:8:9',
    '::ffff:1.2.3',
    '',
  ])('%s is not an address', (text) => {
    expect(classifyAddress(text)).toBeUndefined()
  })

  it('reads IPv4 short forms as inet_aton does', () => {
    expect(parseIpv4('1.2.3')).toBe(0x01020003)
    expect(parseIpv4('1.65535')).toBe(0x0100ffff)
    expect(parseIpv4('1.65536')).toBe(0x01010000)
    expect(parseIpv4('1.16777216')).toBeUndefined()
    expect(parseIpv4('4294967295')).toBe(0xffffffff)
    expect(parseIpv4('4294967296')).toBeUndefined()
  })
})
