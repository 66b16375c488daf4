#!/usr/bin/env python3
# Measured GPU energy per forward pass of tdi's default U-Net architecture ([16, 32, 64], 1 block/level, FiLM time
# bias on 7 layers; the same layers and FLOPs as dev.tdi.unet.UNet, random weights: energy does not depend on them).
# Power is polled with nvidia-smi (power.draw) every ~50 ms during 8 s of back-to-back forwards per batch size;
# J/image = mean power x time / images, and "above idle" subtracts the idle draw measured for 4 s before.
# This is the exact script that produced docs/measurements/gpu-energy-h100.json (float32, PyTorch eager).
# Usage (needs python3-torch with CUDA, nvidia-smi):  python3 tools/gpu_energy.py OUT.json
import torch,time,subprocess,json,sys
import torch.nn as N,torch.nn.functional as F
import threading
S=[]
def P():
 while 1:
  S.append((time.time(),float(subprocess.check_output(["nvidia-smi","--query-gpu=power.draw","--format=csv,noheader,nounits"]).decode().split()[0])));time.sleep(0.05)
threading.Thread(target=P,daemon=True).start()
def W(a,b):
 v=[p for (t,p) in S if a<=t<=b];return sum(v)/len(v),len(v)
C=lambda i,o,s=1:N.Conv2d(i,o,3,s,1)
T=lambda i,o:N.ConvTranspose2d(i,o,3,2,1,1)
class U(N.Module):
 def __init__(s):
  super().__init__();s.f1=N.Linear(32,128);s.f2=N.Linear(128,128)
  s.e0=C(1,16);s.e1=C(16,32,2);s.e2=C(32,64,2);s.u1=T(64,32);s.d1a=C(32,32);s.d1b=C(32,32);s.u0=T(32,16);s.d0a=C(16,16);s.d0b=C(16,16);s.o=C(16,1)
  s.p=N.ModuleList([N.Linear(128,c,bias=False) for c in [16,32,64,32,32,16,16]])
 def forward(s,x,t):
  f=torch.exp(-9.21*torch.arange(16,device=x.device)/16);a=t[:,None]*f[None]
  h=F.relu(s.f2(F.relu(s.f1(torch.cat([a.sin(),a.cos()],1)))));b=[p(h)[:,:,None,None] for p in s.p]
  e0=F.relu(s.e0(x)+b[0]);e1=F.relu(s.e1(e0)+b[1]);e2=F.relu(s.e2(e1)+b[2]);u1=F.relu(s.u1(e2)+b[3]);d1=F.relu(s.d1a(u1)+s.d1b(e1)+b[4]);u0=F.relu(s.u0(d1)+b[5]);d0=F.relu(s.d0a(u0)+s.d0b(e0)+b[6]);return s.o(d0)
n=U().cuda().eval();t0=time.time();time.sleep(4);idle,_=W(t0+0.5,time.time());R=[]
for B in [1,16,256,4096]:
 x=torch.randn(B,1,28,28,device="cuda");t=torch.randint(0,1000,(B,),device="cuda").float()
 with torch.no_grad():
  for _ in range(20):n(x,t)
  torch.cuda.synchronize();k=0;t0=time.time()
  while time.time()-t0<8:
   for _ in range(10):n(x,t)
   k+=10;torch.cuda.synchronize()
  t1=time.time();d=t1-t0;w,ns=W(t0,t1);j=w*d
 r=dict(batch=B,images_per_s=k*B/d,watts=j/d,J_per_image=j/k/B,J_per_image_above_idle=(j-idle*d)/k/B,power_samples=ns);R.append(r);print(r)
json.dump(dict(gpu="NVIDIA H100 80GB HBM3, 700 W limit",method="nvidia-smi power.draw polled every ~50 ms, mean x time",torch=torch.__version__,dtype="float32",idle_watts=idle,rows=R),open(sys.argv[1],"w"),indent=1)
