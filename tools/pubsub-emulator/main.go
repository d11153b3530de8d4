// Command pubsub-emulator serves Google's pstest fake Pub/Sub over gRPC, so the
// official client libraries can talk to it through PUBSUB_EMULATOR_HOST.
//
// pstest answers a streaming pull's keepalive ping while holding its server-wide
// lock, by a send that blocks forever once the stream's sender has stopped: one
// closing stream then freezes every publish and pull. We serve pstest's service on
// our own gRPC server whose interceptor answers the pings instead (one sender at a
// time), so pstest never sees them.
package main

import (
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"google.golang.org/grpc"
)

func main() {
	address := flag.String("address", "127.0.0.1:8085", "host:port to listen on")
	flag.Parse()

	fake := pstest.NewServerWithAddress("127.0.0.1:0")
	listener, err := net.Listen("tcp", *address)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	server := grpc.NewServer(grpc.StreamInterceptor(answerPings))
	pb.RegisterPublisherServer(server, &fake.GServer)
	pb.RegisterSubscriberServer(server, &fake.GServer)
	pb.RegisterSchemaServiceServer(server, &fake.GServer)
	log.Printf("pubsub emulator listening on %s", listener.Addr())
	go func() {
		if err := server.Serve(listener); err != nil {
			log.Fatalf("serve: %v", err)
		}
	}()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	server.Stop()
	if err := fake.Close(); err != nil {
		log.Printf("closing: %v", err)
	}
}

func answerPings(srv any, stream grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if info.FullMethod != "/google.pubsub.v1.Subscriber/StreamingPull" {
		return handler(srv, stream)
	}
	return handler(srv, &pingAnswering{ServerStream: stream})
}

// pingAnswering hands pstest every request but the keepalive pings, which it answers itself.
type pingAnswering struct {
	grpc.ServerStream
	sending  sync.Mutex
	opened   bool
	answered bool
}

func (s *pingAnswering) SendMsg(m any) error {
	s.sending.Lock()
	defer s.sending.Unlock()
	return s.ServerStream.SendMsg(m)
}

func (s *pingAnswering) RecvMsg(m any) error {
	for {
		if err := s.ServerStream.RecvMsg(m); err != nil {
			return err
		}
		req, ok := m.(*pb.StreamingPullRequest)
		if !ok {
			return nil
		}
		if !s.opened {
			// The stream's first request opens it; pstest must not answer pings itself.
			s.opened = true
			s.answered = req.ProtocolVersion >= 1
			req.ProtocolVersion = 0
			return nil
		}
		if len(req.AckIds) > 0 || len(req.ModifyDeadlineAckIds) > 0 || req.StreamAckDeadlineSeconds > 0 {
			return nil
		}
		if s.answered {
			if err := s.SendMsg(&pb.StreamingPullResponse{}); err != nil {
				return err
			}
		}
	}
}
