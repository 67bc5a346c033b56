#!/usr/bin/env python3
"""Per base day counts from the text output of `hotpath staffing evaluate ... --hours-share S` (one share):
instances where the claim holds, the means of the original and planned replays, and what got worse, for
the strict verdict (the first engine seed's rows) and, when the output has them (--seeds K > 1), the
seed-spread verdict (the `mean` rows: means over the K engine seeds).

usage: bench/staffing/per_day.py EVALUATE_OUTPUT.txt
"""
import sys,re,collections
lines=open(sys.argv[1]).read().split('\n')
by=collections.defaultdict(list); spread=collections.defaultdict(list); inst=None
for l in lines:
    f=l.split()
    if not f: continue
    if re.match(r'\d+[or]\d+t', f[0]) and f[1]=='original':
        inst=f[0]; orig=[float(x) for x in f[2:8]]
    elif f[0]=='planned' and inst:
        vals=[float(x) for x in f[2:8]]; verdict=' '.join(f[8:])
        by[inst[0]].append((orig,vals,verdict))
    elif f[0]=='mean' and inst and not f[1].startswith('h=') and not f[1].startswith('u='):
        orig_mean=[float(x) for x in f[2:8]]
    elif f[0]=='mean' and inst:
        vals=[float(x) for x in f[2:8]]; verdict=' '.join(f[8:])
        spread[inst[0]].append((orig_mean,vals,verdict[len('seed spread: '):]))
spread_by=spread
def table(by, title):
  print(title)
  print('| base day | instances | holds | courier-h original -> planned | c2d mean original -> planned | p90 original -> planned | ready-to-pickup original -> planned | worse on |')
  print('|---|---|---|---|---|---|---|---|')
  T=[0,0]
  for d,rs in sorted(by.items()):
      n=len(rs); h=sum(v=='holds' for _,_,v in rs); T[0]+=h; T[1]+=n
      m=lambda i,j: sum(r[i][j] for r in rs)/n
      w=collections.Counter()
      for _,_,v in rs:
          if v.startswith('worse:'):
              for x in v[len('worse: '):].split(','): w[x]+=1
      top=', '.join('%s %d'%kv for kv in w.most_common()) or '-'
      print('| %s | %d | %d | %.1f -> %.1f | %.2f -> %.2f | %.2f -> %.2f | %.2f -> %.2f | %s |'%(d,n,h,m(0,0),m(1,0),m(0,2),m(1,2),m(0,3),m(1,3),m(0,4),m(1,4),top))
  print('total holds %d/%d'%tuple(T))
table(by, 'strict verdict (the first engine seed):')
if spread_by:
  print()
  table(spread_by, 'seed-spread verdict (means over the engine seeds; the original\'s mean plus its own seed range):')
